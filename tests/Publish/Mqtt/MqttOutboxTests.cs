using MaskStream.Publish.Mqtt;
using MQTTnet.Protocol;

namespace MaskStream.Publish.Tests.Mqtt;

public sealed class MqttOutboxTests
{
    private static OutboxMessage M(int i) => new($"t/{i}", [(byte)i], MqttQualityOfServiceLevel.AtLeastOnce, false);

    private static List<string> Drain(MqttOutbox outbox)
    {
        var topics = new List<string>();
        while (outbox.TryTake(out var m))
            topics.Add(m.Topic);
        return topics;
    }

    [Fact]
    public void DropOldest_Overflow_KeepsTheNewestAndReturnsEachDroppedMessage()
    {
        var outbox = new MqttOutbox(3, OutboxOverflowPolicy.DropOldest);
        var dropped = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            if (outbox.Enqueue(M(i)) is { } d)
                dropped.Add(d.Topic);
        }

        Assert.Equal(["t/0", "t/1", "t/2", "t/3"], dropped);
        Assert.Equal(["t/4", "t/5", "t/6"], Drain(outbox));
    }

    [Fact]
    public void DropNewest_Overflow_RefusesTheNewMessages()
    {
        var outbox = new MqttOutbox(3, OutboxOverflowPolicy.DropNewest);
        var dropped = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            if (outbox.Enqueue(M(i)) is { } d)
                dropped.Add(d.Topic);
        }

        Assert.Equal(["t/3", "t/4"], dropped);
        Assert.Equal(["t/0", "t/1", "t/2"], Drain(outbox));
    }

    [Fact]
    public void InFlightMessages_CountTowardsCapacity_AndAreNeverDropped()
    {
        var outbox = new MqttOutbox(3, OutboxOverflowPolicy.DropOldest);
        outbox.Enqueue(M(0));
        outbox.Enqueue(M(1));
        outbox.Enqueue(M(2));
        Assert.True(outbox.TryTake(out _));
        Assert.True(outbox.TryTake(out _));
        Assert.True(outbox.TryTake(out _));

        var refused = outbox.Enqueue(M(3));

        Assert.Equal("t/3", refused!.Topic);
        Assert.Equal(3, outbox.Count);
    }

    [Fact]
    public void Requeue_PutsUnacknowledgedBackInFrontInTheirOrder()
    {
        var outbox = new MqttOutbox(10, OutboxOverflowPolicy.DropOldest);
        for (var i = 0; i < 5; i++)
            outbox.Enqueue(M(i));
        outbox.TryTake(out var a);
        outbox.TryTake(out var b);
        outbox.TryTake(out var c);
        outbox.Complete(); // a acknowledged

        outbox.Requeue([b, c]);

        Assert.Equal(4, outbox.Count);
        Assert.Equal(["t/1", "t/2", "t/3", "t/4"], Drain(outbox));
        Assert.Equal("t/0", a.Topic);
    }

    [Fact]
    public void RingQueue_GrowsPastItsFirstSize_KeepingOrderAcrossTheWrap()
    {
        var ring = new RingQueue<int>();
        for (var i = 0; i < 50; i++)
            ring.PushBack(i);
        for (var i = 0; i < 40; i++)
            Assert.Equal(i, ring.PopFront());
        for (var i = 50; i < 200; i++)
            ring.PushBack(i);
        ring.PushFront(39);

        var all = new List<int>();
        while (ring.Count > 0)
            all.Add(ring.PopFront());

        Assert.Equal(Enumerable.Range(39, 161), all);
    }
}
