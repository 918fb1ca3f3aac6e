using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Benchmarks.Training;

/// <summary>
/// A lazily generated IDataView of <c>rows</c> rows: <c>Features</c>, a vector of 784 floats drawn uniformly in [0, 1) from
/// a hash of (row, slot), and <c>Label</c>, a key of 10 values: the index of the largest of the first 10 features
/// (learnable, not trivial). Nothing is stored: a row is computed when a cursor asks for it, so 1,000,000 rows (3 GB as floats)
/// cost no memory. It knows its row count, so a streaming trainer needs no counting pass.
/// </summary>
internal sealed class SyntheticDataView(long rows, int features = 784) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = BuildSchema(features);

    private static DataViewSchema BuildSchema(int features)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, features));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), 10));
        return builder.ToSchema();
    }

    public long? GetRowCount() => rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private static float Value(long row, int slot)
    {
        ulong x = unchecked((ulong)row * 0x9E3779B97F4A7C15UL + (ulong)slot * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        x ^= x >> 30; x = unchecked(x * 0xBF58476D1CE4E5B9UL);
        x ^= x >> 27; x = unchecked(x * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (x >> 40) * (1f / (1 << 24));
    }

    private sealed class Cursor(SyntheticDataView view) : DataViewRowCursor
    {
        private long _position = -1;
        private float[] _values = new float[((VectorDataViewType)view.Schema["Features"].Type).Size];
        private long _filledFor = -1;

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (_position + 1 >= view.GetRowCount()) return false;
            _position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        private void Fill()
        {
            if (_filledFor == _position) return;
            for (int i = 0; i < _values.Length; i++) _values[i] = Value(_position, i);
            _filledFor = _position;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Name == "Features")
            {
                ValueGetter<VBuffer<float>> features = (ref VBuffer<float> value) =>
                {
                    Fill();
                    var editor = VBufferEditor.Create(ref value, _values.Length);
                    _values.CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)features;
            }
            ValueGetter<uint> label = (ref uint value) =>
            {
                int best = 0;
                float max = float.MinValue;
                for (int i = 0; i < 10; i++)
                {
                    float v = Value(_position, i);
                    if (v > max) { max = v; best = i; }
                }
                value = (uint)best + 1;
            };
            return (ValueGetter<TValue>)(Delegate)label;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
