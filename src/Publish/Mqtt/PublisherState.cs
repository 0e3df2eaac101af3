namespace MaskStream.Publish.Mqtt;

/// <summary>Where the publisher's connection stands.</summary>
public enum PublisherState
{
    Created,
    /// <summary>Trying to connect (first time or after a loss); messages are kept in the outbox meanwhile.</summary>
    Connecting,
    Connected,
    /// <summary>Lost the broker; waiting out the back-off before the next attempt.</summary>
    Disconnected,
    /// <summary>The broker refused us for good (see <see cref="MqttPublisher.LastError"/>); no more attempts.</summary>
    Failed,
    Stopped,
}
