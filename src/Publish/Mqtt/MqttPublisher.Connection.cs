using System.Text.Json;
using MaskStream.Publish.Payloads;
using MQTTnet;
using MQTTnet.Protocol;

namespace MaskStream.Publish.Mqtt;

// The connection loop: connect, pump the outbox until the connection is lost or a publish times out, back off, repeat;
// on a stop, the same loop until the outbox is empty or the stop bound runs out (MqttPublisher.Stop.cs).
public sealed partial class MqttPublisher
{
    /// <summary>CONNACK Receive Maximum absent or 0 means the MQTT 5 default, 65,535.</summary>
    private const int DefaultReceiveMaximum = 65_535;

    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttClientFactory _factory = new();

    private sealed class ConnectionWatch
    {
        public volatile bool Lost;
        public volatile string? Reason;
    }

    private readonly record struct InFlight(OutboxMessage Message, Task<MqttClientPublishResult> Publish, long Started);

    private async Task RunAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            SetState(PublisherState.Connecting, _lastError);
            using var client = _factory.CreateMqttClient();
            var watch = new ConnectionWatch();
            client.DisconnectedAsync += e =>
            {
                watch.Reason = e.Exception?.Message ?? e.ReasonString ?? e.Reason.ToString();
                watch.Lost = true;
                _wake.Release();
                return Task.CompletedTask;
            };

            var connack = await TryConnectAsync(client, stop).ConfigureAwait(false);
            if (connack is null)
            {
                if (_state == PublisherState.Failed || stop.IsCancellationRequested)
                    return;
                _firstAttempt.TrySetResult();
                SetState(PublisherState.Disconnected, _lastError);
                await BackOffAsync(ReconnectBackoff.Delay(attempt++, _options.ReconnectDelayMin, _options.ReconnectDelayMax, _random), stop)
                    .ConfigureAwait(false);
                continue;
            }

            attempt = 0;
            Interlocked.Increment(ref _connects);
            PublishMetrics.Connects.Add(1, PublishMetrics.Tags(ClientId));
            InFlightLimit = Math.Min(_options.MaxInFlight, connack.ReceiveMaximum is null or 0 ? DefaultReceiveMaximum : (int)connack.ReceiveMaximum.Value);
            var ended = PumpEnd.ConnectionLost;
            if (await AnnounceOnlineAsync(client, stop).ConfigureAwait(false))
            {
                SetState(PublisherState.Connected, null);
                _firstAttempt.TrySetResult();
                ended = await PumpAsync(client, watch, stop).ConfigureAwait(false);
            }
            else if (stop.IsCancellationRequested)
            {
                // Connected, but the stop bound ran out before the online status was acknowledged: still leave cleanly.
                ended = PumpEnd.Stop;
            }
            if (ended == PumpEnd.Stop)
            {
                await SayGoodbyeAsync(client).ConfigureAwait(false);
                return;
            }
            await AbandonAsync(client, stop).ConfigureAwait(false);
            SetState(PublisherState.Disconnected, _lastError);
            // A lost connection is usually a restarting broker: back off from the first step, jittered.
            await BackOffAsync(ReconnectBackoff.Delay(attempt++, _options.ReconnectDelayMin, _options.ReconnectDelayMax, _random), stop)
                .ConfigureAwait(false);
        }
    }

    /// <returns>The CONNACK, or null when the attempt failed (state Failed when the refusal is final).</returns>
    private async Task<MqttClientConnectResult?> TryConnectAsync(IMqttClient client, CancellationToken stop)
    {
        MqttClientConnectResult result;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(_options.ConnectTimeout);
            // MQTTnet 5 returns a refusal as a result code (no exception), so a throw here means no CONNACK at all.
            result = await client.ConnectAsync(BuildClientOptions(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!stop.IsCancellationRequested)
                CountFailure("connect", $"MQTT broker {Broker} unreachable: {Innermost(e).Message}");
            return null;
        }

        if (result.ResultCode == MqttClientConnectResultCode.Success)
            return result;

        var reason = string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})";
        var hint = IsCredentialsProblem(result.ResultCode) ? "; check Mqtt:Username and Mqtt:Password" : "";
        var message = $"MQTT broker {Broker} refused the connection: {result.ResultCode} (reason code {(int)result.ResultCode}){reason}{hint}";
        if (IsFinal(result.ResultCode))
        {
            CountFailure("refused", message);
            SetState(PublisherState.Failed, message);
            _firstAttempt.TrySetException(new MqttBrokerRefusedException(message, result.ResultCode));
            return null;
        }
        CountFailure("refused", message);
        return null;
    }

    private enum PumpEnd { Stop, ConnectionLost, Timeout }

    /// <summary>Keeps up to <see cref="InFlightLimit"/> publishes outstanding, in outbox order, until the connection ends,
    /// or — once stopping — until everything is acknowledged or the stop bound (<paramref name="stop"/>) runs out.</summary>
    private async Task<PumpEnd> PumpAsync(IMqttClient client, ConnectionWatch watch, CancellationToken stop)
    {
        var inFlight = new List<InFlight>(Math.Min(InFlightLimit, 1024));
        try
        {
            while (true)
            {
                if (!RetireCompleted(inFlight))
                {
                    CountFailure("connection_lost", $"lost MQTT broker {Broker}: {watch.Reason ?? "publish failed"}");
                    return PumpEnd.ConnectionLost;
                }
                if (stop.IsCancellationRequested)
                    return PumpEnd.Stop;
                if (watch.Lost)
                {
                    CountFailure("connection_lost", $"lost MQTT broker {Broker}: {watch.Reason}");
                    return PumpEnd.ConnectionLost;
                }
                if (Stopping && inFlight.Count == 0 && _outbox.QueuedCount == 0)
                    return PumpEnd.Stop;

                // MQTTnet sends in call order (its send lock is FIFO), so starting publishes from this one loop keeps order.
                while (inFlight.Count < InFlightLimit && _outbox.TryTake(out var message))
                    inFlight.Add(new InFlight(message, StartPublish(client, message), _time.GetTimestamp()));

                var wait = Timeout.InfiniteTimeSpan;
                if (inFlight.Count > 0)
                {
                    var age = _time.GetElapsedTime(inFlight[0].Started);
                    if (age >= _options.PublishTimeout)
                    {
                        CountFailure("timeout",
                            $"MQTT broker {Broker} did not acknowledge a publish within {_options.PublishTimeout.TotalSeconds:0.###} s; reconnecting");
                        return PumpEnd.Timeout;
                    }
                    wait = _options.PublishTimeout - age;
                }
                try
                {
                    await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The loop head sees the stop.
                }
                while (_wake.Wait(0))
                {
                    // Fold the wake-ups that piled up into this one pass.
                }
            }
        }
        finally
        {
            // Everything not acknowledged goes back in front of the queue, oldest first, to be re-published after the
            // reconnect. Duplicates are possible when the broker got a message but we missed its PUBACK.
            RetireCompleted(inFlight);
            var unacknowledged = new List<OutboxMessage>(inFlight.Count);
            foreach (var f in inFlight)
                unacknowledged.Add(f.Message);
            _outbox.Requeue(unacknowledged);
        }
    }

    /// <summary>Removes completed publishes from <paramref name="inFlight"/>; false when one failed (connection gone).</summary>
    private bool RetireCompleted(List<InFlight> inFlight)
    {
        for (var i = 0; i < inFlight.Count;)
        {
            var f = inFlight[i];
            if (!f.Publish.IsCompleted)
            {
                i++;
                continue;
            }
            if (!f.Publish.IsCompletedSuccessfully)
                return false;
            inFlight.RemoveAt(i);
            _outbox.Complete();
            PublishMetrics.OutboxDepth.Add(-1, PublishMetrics.Tags(ClientId));
            var reasonCode = f.Publish.Result.ReasonCode;
            // Codes below 0x80 are successes (mosquitto answers NoMatchingSubscribers when nobody listens).
            if ((int)reasonCode < 0x80)
            {
                Interlocked.Increment(ref _published);
                PublishMetrics.Published.Add(1, PublishMetrics.Tags(ClientId));
                PublishMetrics.PublishedBytes.Add(f.Message.Payload.Length, PublishMetrics.Tags(ClientId));
            }
            else
            {
                // Not authorised for the topic, too large, …: sending it again would be refused again.
                CountDrops(1, "rejected");
                _lastError = $"MQTT broker {Broker} rejected a message on {f.Message.Topic}: {reasonCode} (reason code {(int)reasonCode})";
            }
        }
        return true;
    }

    private Task<MqttClientPublishResult> StartPublish(IMqttClient client, OutboxMessage message)
    {
        var applicationMessage = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(message.Qos)
            .WithRetainFlag(message.Retain)
            .WithContentType("application/json")
            .Build();
        Task<MqttClientPublishResult> publish;
        try
        {
            publish = client.PublishAsync(applicationMessage, CancellationToken.None);
        }
        catch (Exception e)
        {
            // MQTTnet throws synchronously when the connection is already gone; treat it like a failed publish.
            return Task.FromException<MqttClientPublishResult>(e);
        }
        // Wake the pump on completion; reading Exception marks a failure of an abandoned publish as observed.
        publish.ContinueWith(static (t, state) =>
        {
            _ = t.Exception;
            ((SemaphoreSlim)state!).Release();
        }, _wake, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return publish;
    }

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            .WithWillTopic(Topics.ServiceStatus)
            .WithWillPayload(ServiceStatusPayload(StatusStates.Offline, "connection_lost"))
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(_options.Username))
            builder.WithCredentials(_options.Username, _options.Password);
        if (_options.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (_options.AllowUntrustedCertificates)
                    tls.WithCertificateValidationHandler(_ => true);
            });
        }
        return builder.Build();
    }

    private byte[] ServiceStatusPayload(string state, string? reason) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ServiceStatusMessage(InstanceId, state, reason, BootId, VersionText, _time.GetUtcNow().UtcDateTime),
            PayloadJsonContext.Default.ServiceStatusMessage);

    private static readonly string VersionText = typeof(MqttPublisher).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Retained online status, first thing on every connection (it replaces the last will a previous loss left).</summary>
    private async Task<bool> AnnounceOnlineAsync(IMqttClient client, CancellationToken stop)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(_options.PublishTimeout);
            var online = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.ServiceStatus)
                .WithPayload(ServiceStatusPayload(StatusStates.Online, null))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build();
            await client.PublishAsync(online, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            if (!stop.IsCancellationRequested)
                CountFailure("connection_lost", $"lost MQTT broker {Broker} while announcing online status: {Innermost(e).Message}");
            return false;
        }
    }

    /// <summary>Clean stop: retained offline status, then DISCONNECT, which tells the broker not to send the last will.
    /// Both fit in what is left of the stop bound, or <see cref="StopGrace"/> when nothing is left.</summary>
    private async Task SayGoodbyeAsync(IMqttClient client)
    {
        try
        {
            var left = StopTimeLeft;
            using var timeout = new CancellationTokenSource(left < StopGrace ? StopGrace : left > GoodbyeTimeout ? GoodbyeTimeout : left, _time);
            var offline = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.ServiceStatus)
                .WithPayload(ServiceStatusPayload(StatusStates.Offline, "shutdown"))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build();
            await client.PublishAsync(offline, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The broker is gone or hung: it will publish our last will, which says the same.
        }
    }

    /// <summary>Drops a connection we no longer trust without waiting on a broker that may be hung (nor past the stop bound).</summary>
    private static async Task AbandonAsync(IMqttClient client, CancellationToken stop)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            if (client.IsConnected)
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Disposing the client closes the socket either way.
        }
    }

    /// <summary>Refusals that the next attempt would get again: report them instead of retrying.</summary>
    private static bool IsFinal(MqttClientConnectResultCode code) => code is
        MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or
        MqttClientConnectResultCode.ClientIdentifierNotValid or MqttClientConnectResultCode.Banned or
        MqttClientConnectResultCode.BadAuthenticationMethod or MqttClientConnectResultCode.UnsupportedProtocolVersion;

    private static bool IsCredentialsProblem(MqttClientConnectResultCode code) => code is
        MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or
        MqttClientConnectResultCode.BadAuthenticationMethod;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
