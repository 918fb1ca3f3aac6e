using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// Adds the prediction columns ML.NET's evaluators and prediction engine expect to any input that has the
/// features column, as the task's <see cref="TaskColumns"/> defines them: multiclass <c>Score</c> (per-class probabilities) and
/// <c>PredictedLabel</c> (key); binary <c>Score</c> (logit), <c>Probability</c> and <c>PredictedLabel</c> (bool); regression <c>Score</c>.
/// Input columns pass through; an input column with an output's name is hidden, as ML.NET does.
/// </summary>
internal sealed class ScoringMapper : IRowToRowMapper
{
    private readonly TorchNetworkTransformer _parent;
    private readonly TaskColumns _task;
    private readonly DataViewSchema.Column _features;
    private readonly int _inputCount;

    public ScoringMapper(TorchNetworkTransformer parent, DataViewSchema inputSchema)
    {
        _parent = parent;
        InputSchema = inputSchema;
        var model = parent.Model;
        _task = TaskColumns.For(model.Task);
        int size = TrainingColumns.CheckFeatures(inputSchema, model.FeatureColumnName, "input data");
        if (size != model.InputSize)
            throw new ArgumentException(
                $"Column '{model.FeatureColumnName}' of the input data has {size} features; the model was trained on {model.InputSize}.", "inputSchema");
        _features = inputSchema[model.FeatureColumnName];
        _inputCount = inputSchema.Count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var (name, type, annotations) in _task.OutputColumns(model.OutputSize, model.ClassKeyValues))
            builder.AddColumn(name, type, annotations);
        OutputSchema = builder.ToSchema();
    }

    /// <summary>The prediction column names, as ML.NET's scorers name them.</summary>
    internal const string ScoreColumn = "Score", ProbabilityColumn = "Probability", PredictedLabelColumn = "PredictedLabel";

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    private bool IsOutput(DataViewSchema.Column column) => column.Index >= _inputCount;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
        {
            if (IsOutput(column)) needed.Add(_features.Index);
            else needed.Add(column.Index);
        }
        return needed.Order().Select(i => InputSchema[i]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        var active = activeColumns.Select(c => c.Index).ToHashSet();
        return new ScoredRow(this, input, active);
    }

    /// <summary>A cursor over <paramref name="input"/> with the outputs added.</summary>
    internal DataViewRowCursor GetCursor(DataViewRowCursor input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new ScoredCursor(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    /// <summary>The output getters of one input row: one forward pass per row, shared by all outputs.</summary>
    private sealed class RowState
    {
        private readonly ScoringMapper _mapper;
        private readonly DataViewRow _input;
        private readonly ValueGetter<VBuffer<float>> _features;
        private VBuffer<float> _buffer;
        private readonly float[] _dense;
        private long _position = -1;
        private float[] _outputs = [];

        public RowState(ScoringMapper mapper, DataViewRow input)
        {
            _mapper = mapper;
            _input = input;
            _features = input.GetGetter<VBuffer<float>>(mapper._features);
            _dense = new float[mapper._parent.Model.InputSize];
        }

        private float[] Outputs()
        {
            if (_position != _input.Position || _position < 0)
            {
                _features(ref _buffer);
                _buffer.CopyTo(_dense);
                _outputs = _mapper._parent.ScoreRow(_dense);
                _position = _input.Position;
            }
            return _outputs;
        }

        public Delegate MakeGetter(int outputIndex) => _mapper._task.MakeGetter(outputIndex, Outputs);
    }

    private Delegate[] MakeGetters(DataViewRow input, HashSet<int> active)
    {
        var getters = new Delegate[OutputSchema.Count - _inputCount];
        if (active.Any(i => i >= _inputCount))
        {
            var state = new RowState(this, input);
            for (int i = 0; i < getters.Length; i++)
                if (active.Contains(_inputCount + i)) getters[i] = state.MakeGetter(i);
        }
        return getters;
    }

    private ValueGetter<T> GetGetter<T>(DataViewRow input, Delegate[] outputs, HashSet<int> active, DataViewSchema.Column column)
    {
        if (column.Index < _inputCount) return input.GetGetter<T>(InputSchema[column.Index]);
        if (!active.Contains(column.Index))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested as active.");
        return outputs[column.Index - _inputCount] as ValueGetter<T>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}, not {typeof(T).Name}.");
    }

    private sealed class ScoredRow : DataViewRow
    {
        private readonly ScoringMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly Delegate[] _outputs;

        public ScoredRow(ScoringMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _outputs = mapper.MakeGetters(input, active);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _mapper._inputCount ? _input.IsColumnActive(_mapper.InputSchema[column.Index]) : _active.Contains(column.Index);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _outputs, _active, column);
    }

    private sealed class ScoredCursor : DataViewRowCursor
    {
        private readonly ScoringMapper _mapper;
        private readonly DataViewRowCursor _input;
        private readonly HashSet<int> _active;
        private readonly Delegate[] _outputs;

        public ScoredCursor(ScoringMapper mapper, DataViewRowCursor input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _outputs = mapper.MakeGetters(input, active);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool MoveNext() => _input.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _mapper._inputCount ? _input.IsColumnActive(_mapper.InputSchema[column.Index]) : _active.Contains(column.Index);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _outputs, _active, column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
