namespace MaskStream.Detector;

/// <summary>
/// torch.sort(descending=True) on the CPU in PyTorch 1.13, which is <c>std::sort</c> from libstdc++ (introsort:
/// median-of-three quicksort down to 16-element runs, heapsort past 2·log2(n) levels, then insertion sort) comparing
/// the key only. It is not stable, so exactly tied scores come out in an order that only the same algorithm
/// reproduces. torchvision's batched_nms (per-class path, more than 1000 boxes on the CPU) sorts its kept boxes this
/// way, and with saturated RPN sigmoids (1.0f for logits above ~17) the tie order decides which proposals survive the
/// post-NMS top-N. This is a step-for-step port of the libstdc++ algorithm (bits/stl_algo.h, bits/stl_heap.h).
/// </summary>
internal static class TorchUnstableSort
{
    private const int Threshold = 16;

    public static void SortDescending(Span<Nms.ScoreIndex> items)
    {
        if (items.Length < 2) return;
        IntrosortLoop(items, 0, items.Length, 2 * Log2(items.Length));
        FinalInsertionSort(items, 0, items.Length);
    }

    /// <summary>KeyValueCompDesc: a before b when a's key is greater (NaN first).</summary>
    private static bool Before(in Nms.ScoreIndex a, in Nms.ScoreIndex b) =>
        (float.IsNaN(a.Score) && !float.IsNaN(b.Score)) || a.Score > b.Score;

    private static int Log2(int n) => 31 - int.LeadingZeroCount(n);

    private static void IntrosortLoop(Span<Nms.ScoreIndex> s, int first, int last, int depthLimit)
    {
        while (last - first > Threshold)
        {
            if (depthLimit == 0)
            {
                HeapSort(s, first, last);
                return;
            }
            --depthLimit;
            int cut = UnguardedPartitionPivot(s, first, last);
            IntrosortLoop(s, cut, last, depthLimit);
            last = cut;
        }
    }

    private static int UnguardedPartitionPivot(Span<Nms.ScoreIndex> s, int first, int last)
    {
        int mid = first + (last - first) / 2;
        MoveMedianToFirst(s, first, first + 1, mid, last - 1);
        return UnguardedPartition(s, first + 1, last, first);
    }

    private static void MoveMedianToFirst(Span<Nms.ScoreIndex> s, int result, int a, int b, int c)
    {
        if (Before(s[a], s[b]))
        {
            if (Before(s[b], s[c])) Swap(s, result, b);
            else if (Before(s[a], s[c])) Swap(s, result, c);
            else Swap(s, result, a);
        }
        else if (Before(s[a], s[c])) Swap(s, result, a);
        else if (Before(s[b], s[c])) Swap(s, result, c);
        else Swap(s, result, b);
    }

    private static int UnguardedPartition(Span<Nms.ScoreIndex> s, int first, int last, int pivot)
    {
        while (true)
        {
            while (Before(s[first], s[pivot])) ++first;
            --last;
            while (Before(s[pivot], s[last])) --last;
            if (first >= last) return first;
            Swap(s, first, last);
            ++first;
        }
    }

    private static void FinalInsertionSort(Span<Nms.ScoreIndex> s, int first, int last)
    {
        if (last - first > Threshold)
        {
            InsertionSort(s, first, first + Threshold);
            for (int i = first + Threshold; i < last; i++) UnguardedLinearInsert(s, i);
        }
        else
        {
            InsertionSort(s, first, last);
        }
    }

    private static void InsertionSort(Span<Nms.ScoreIndex> s, int first, int last)
    {
        if (first == last) return;
        for (int i = first + 1; i < last; i++)
        {
            if (Before(s[i], s[first]))
            {
                var value = s[i];
                s.Slice(first, i - first).CopyTo(s.Slice(first + 1, i - first));
                s[first] = value;
            }
            else
            {
                UnguardedLinearInsert(s, i);
            }
        }
    }

    private static void UnguardedLinearInsert(Span<Nms.ScoreIndex> s, int last)
    {
        var value = s[last];
        int next = last - 1;
        while (Before(value, s[next]))
        {
            s[last] = s[next];
            last = next;
            --next;
        }
        s[last] = value;
    }

    // std::__partial_sort(first, last, last): make_heap, then sort_heap.
    private static void HeapSort(Span<Nms.ScoreIndex> s, int first, int last)
    {
        int len = last - first;
        if (len >= 2)
        {
            for (int parent = (len - 2) / 2; ; parent--)
            {
                AdjustHeap(s, first, parent, len, s[first + parent]);
                if (parent == 0) break;
            }
        }
        while (last - first > 1)
        {
            --last;
            var value = s[last];
            s[last] = s[first];
            AdjustHeap(s, first, 0, last - first, value);
        }
    }

    private static void AdjustHeap(Span<Nms.ScoreIndex> s, int first, int holeIndex, int len, Nms.ScoreIndex value)
    {
        int topIndex = holeIndex, secondChild = holeIndex;
        while (secondChild < (len - 1) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            if (Before(s[first + secondChild], s[first + secondChild - 1])) secondChild--;
            s[first + holeIndex] = s[first + secondChild];
            holeIndex = secondChild;
        }
        if ((len & 1) == 0 && secondChild == (len - 2) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            s[first + holeIndex] = s[first + secondChild - 1];
            holeIndex = secondChild - 1;
        }
        int parentIndex = (holeIndex - 1) / 2;
        while (holeIndex > topIndex && Before(s[first + parentIndex], value))
        {
            s[first + holeIndex] = s[first + parentIndex];
            holeIndex = parentIndex;
            parentIndex = (holeIndex - 1) / 2;
        }
        s[first + holeIndex] = value;
    }

    private static void Swap(Span<Nms.ScoreIndex> s, int i, int j) => (s[i], s[j]) = (s[j], s[i]);
}
