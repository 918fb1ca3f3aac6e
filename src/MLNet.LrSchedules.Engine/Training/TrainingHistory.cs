using System.Collections;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// The record of a training run, one entry per optimizer step and per epoch, carried across resumed runs.
/// Immutable: <see cref="Append"/> returns a new history and leaves this one unchanged.
/// </summary>
public sealed class TrainingHistory
{
    /// <summary>A history with no steps and no epochs.</summary>
    public static TrainingHistory Empty { get; } = new(RecordList<StepRecord>.Empty, RecordList<EpochRecord>.Empty);

    private readonly RecordList<StepRecord> _steps;
    private readonly RecordList<EpochRecord> _epochs;

    /// <summary>A history holding <paramref name="steps"/> and <paramref name="epochs"/>, in order.</summary>
    public TrainingHistory(IEnumerable<StepRecord> steps, IEnumerable<EpochRecord> epochs)
        : this(RecordList<StepRecord>.Empty.Append(Check.NotNull(steps, nameof(steps))), RecordList<EpochRecord>.Empty.Append(Check.NotNull(epochs, nameof(epochs)))) { }

    private TrainingHistory(RecordList<StepRecord> steps, RecordList<EpochRecord> epochs)
    {
        _steps = steps;
        _epochs = epochs;
    }

    /// <summary>One record per optimizer step, in order.</summary>
    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>One record per completed epoch, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>This history followed by more steps and epochs.</summary>
    public TrainingHistory Append(IEnumerable<StepRecord> steps, IEnumerable<EpochRecord> epochs) =>
        new(_steps.Append(Check.NotNull(steps, nameof(steps))), _epochs.Append(Check.NotNull(epochs, nameof(epochs))));
}

/// <summary>
/// An immutable list view over an append-only store: appending to the newest view extends the shared store in place
/// (amortized O(1)), so per-epoch snapshots of a long history cost nothing but the new records.
/// </summary>
internal sealed class RecordList<T> : IReadOnlyList<T>
{
    public static readonly RecordList<T> Empty = new(new Store(), 0);

    private readonly Store _store;
    private readonly int _count;

    private RecordList(Store store, int count)
    {
        _store = store;
        _count = count;
    }

    public int Count => _count;

    public T this[int index] => (uint)index < (uint)_count ? _store.Items[index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"Parameter 'index' must be in [0, {_count}); received {index}.");

    public RecordList<T> Append(IEnumerable<T> items)
    {
        lock (_store)
        {
            var store = _store;
            if (store.Count != _count)
            {
                // Someone already extended the shared store past this view: branch off a copy.
                store = new Store();
                store.AddRange(new ArraySegment<T>(_store.Items, 0, _count));
            }
            lock (store)
            {
                int before = store.Count;
                store.AddRange(items);
                return before == store.Count && store == _store ? this : new RecordList<T>(store, store.Count);
            }
        }
    }

    public IEnumerator<T> GetEnumerator()
    {
        var items = _store.Items;
        for (int i = 0; i < _count; i++) yield return items[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed class Store
    {
        public T[] Items = [];
        public int Count;

        public void AddRange(IEnumerable<T> items)
        {
            foreach (var item in items)
            {
                if (Count == Items.Length) Array.Resize(ref Items, Math.Max(16, Items.Length * 2));
                Items[Count++] = item;
            }
        }
    }
}
