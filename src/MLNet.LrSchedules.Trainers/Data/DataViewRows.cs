using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

/// <summary>Reads the rows of an <see cref="IDataView"/> straight into native tensors (<see cref="ResidentBatchSource"/>): the data is held once, not also as managed arrays.</summary>
internal static class DataViewRows
{
    /// <summary>
    /// Reads every row with a cursor, checking as it goes: features finite, labels present and in range,
    /// weights finite and &gt;= 0. Every error names the column and the 0-based row.
    /// </summary>
    /// <remarks>
    /// <paramref name="checkAlive"/> is called every few thousand rows and throws when the run was canceled.
    /// With <paramref name="maxFeatureBytes"/>, gives up and returns null as soon as the features would take more than that many bytes.
    /// Each row's features are read into their place in a tensor; when the data view does not know its row count they go into
    /// chunks of 64 MB joined once at the end.
    /// </remarks>
    public static ResidentBatchSource? Read(IDataView data, string featureColumn, string labelColumn, string? weightColumn,
        TaskColumns task, int featureCount, int outputs, string dataName, Action checkAlive, bool inDataOrder, long? maxFeatureBytes = null)
    {
        long maxRows = maxFeatureBytes is { } bytes ? bytes / (4L * featureCount) : long.MaxValue;
        // The engine indexes rows with int (and labels are gathered in one list).
        maxRows = Math.Min(maxRows, Array.MaxLength);
        long? known = data.GetRowCount();
        if (known > maxRows) return maxFeatureBytes is null ? throw TooLarge(dataName, known.Value) : null;

        using var rows = new ResidentRowsBuilder(featureCount, known);
        using var reader = new DataViewRowReader(data, featureColumn, labelColumn, weightColumn, task, featureCount, outputs, dataName, checkAlive);
        bool weighted = reader.HasWeights;
        bool anyWeight = false;
        while (true)
        {
            if (!reader.Next(rows.NextRow(), out float label, out float weight))
            {
                rows.DropRow();
                break;
            }
            if (reader.RowsRead > maxRows) return maxFeatureBytes is null ? throw TooLarge(dataName, reader.RowsRead) : null;
            rows.Add(label, weighted ? weight : null);
            anyWeight |= weight != 0;
        }
        if (rows.Rows == 0)
            throw new InvalidOperationException($"The {dataName} has no rows: there is nothing to train on.");
        if (weighted && !anyWeight)
            throw new InvalidOperationException($"Every example weight in column '{weightColumn}' of the {dataName} is 0: there is nothing to train on.");
        return rows.Build(weighted, inDataOrder);
    }

    private static InvalidOperationException TooLarge(string dataName, long rows) =>
        new($"The {dataName} has {rows} or more rows: too many to hold in memory at once. Stream it instead (option DataLoading = Streaming).");
}
