namespace MaskStream.Publish.Mqtt;

/// <summary>A growable ring buffer with both ends open (push front for requeues, pop front, push back). Not thread-safe.</summary>
internal sealed class RingQueue<T>
{
    private T[] _items = new T[64];
    private int _head;

    public int Count { get; private set; }

    public void PushBack(T item)
    {
        Grow();
        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public void PushFront(T item)
    {
        Grow();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = item;
        Count++;
    }

    public T PopFront()
    {
        if (Count == 0)
            throw new InvalidOperationException("The queue is empty.");
        var item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    private void Grow()
    {
        if (Count < _items.Length)
            return;
        var bigger = new T[_items.Length * 2];
        for (var i = 0; i < Count; i++)
            bigger[i] = _items[(_head + i) % _items.Length];
        _items = bigger;
        _head = 0;
    }
}
