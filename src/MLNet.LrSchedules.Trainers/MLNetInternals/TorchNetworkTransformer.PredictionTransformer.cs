#pragma warning disable CS0618 // ML.NET internals, used on purpose in this folder only (README.md).
using Microsoft.ML;

namespace MLNet.LrSchedules.Trainers;

// ML.NET's whole-model PermutationFeatureImportance(model, data) looks for the last transformer of the chain that is an
// ISingleFeaturePredictionTransformer - the non-generic interface, internal to Microsoft.ML.Data - and throws "The model
// provided does not have a compatible predictor" when none is. FeatureColumnName (in TorchNetworkTransformer.cs) is its
// only member.
public sealed partial class TorchNetworkTransformer : ISingleFeaturePredictionTransformer;
