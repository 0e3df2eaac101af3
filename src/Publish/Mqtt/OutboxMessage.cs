using MQTTnet.Protocol;

namespace MaskStream.Publish.Mqtt;

/// <summary>A message waiting in the outbox; it owns its payload bytes until acknowledged or dropped.</summary>
internal sealed record OutboxMessage(string Topic, byte[] Payload, MqttQualityOfServiceLevel Qos, bool Retain);
