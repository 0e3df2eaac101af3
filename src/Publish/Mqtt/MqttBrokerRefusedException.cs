using MQTTnet;

namespace MaskStream.Publish.Mqtt;

/// <summary>The broker answered CONNECT with a refusal that retrying cannot cure (credentials, client id, ban).
/// The message names the broker and the reason code.</summary>
public sealed class MqttBrokerRefusedException(string message, MqttClientConnectResultCode resultCode) : Exception(message)
{
    public MqttClientConnectResultCode ResultCode { get; } = resultCode;
}
