using System.Text.Json;
using MLNet.LrSchedules.Tool.Training;
using MLNet.LrSchedules.Trainers;

namespace MLNet.LrSchedules.Tool.Tests;

[TestClass]
public sealed class TrainCommandsTests
{
    private static string _dir = "";
    private static string _model = "";
    private static (int Exit, string Out, string Err) _train;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        _dir = LrSched.TempDir();
        _model = Path.Combine(_dir, "wine.zip");
        _train = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "2", "--hidden", "16",
            "--schedule", "warmup(10%) >> cosine(min=1e-5)", "--lr", "0.01", "-o", _model, "--plot", Path.Combine(_dir, "wine.png"));
    }

    [TestMethod]
    public void Train_UserCsv_WritesModelAndPlot_PrintsMetrics()
    {
        Assert.AreEqual(0, _train.Exit, _train.Err);
        StringAssert.Contains(_train.Out, "task MulticlassClassification");
        StringAssert.Contains(_train.Out, "13 features");
        StringAssert.Contains(_train.Out, "accuracy");
        StringAssert.Contains(_train.Out, "macro-F1");
        StringAssert.Contains(_train.Out, "epoch 2/2");
        Assert.IsTrue(File.Exists(_model));
        LrSched.AssertPng(Path.Combine(_dir, "wine.png"));
        Assert.IsEmpty(Directory.GetFiles(_dir, ".*"), "no temporary or checkpoint file is left behind");
    }

    [TestMethod]
    public void Inspect_Text()
    {
        var r = LrSched.Run("inspect", _model);
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "warmup(steps=");
        StringAssert.Contains(r.Out, "\"type\":\"sequence\"");
        StringAssert.Contains(r.Out, "Scheduler state: base lr 0.01");
        StringAssert.Contains(r.Out, "Optimizer: AdamW");
        StringAssert.Contains(r.Out, "format version 2");
        StringAssert.Contains(r.Out, "2 epochs, ");
        StringAssert.Contains(r.Out, "val accuracy");
    }

    [TestMethod]
    public void Inspect_Json_AndPlot()
    {
        string plot = Path.Combine(_dir, "history.png");
        var r = LrSched.Run("inspect", _model, "--json", "--plot", plot);
        Assert.AreEqual(0, r.Exit, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.AreEqual(2, root.GetProperty("format_version").GetInt32());
        Assert.AreEqual("MulticlassClassification", root.GetProperty("task").GetString());
        Assert.AreEqual("sequence", root.GetProperty("schedule").GetProperty("type").GetString());
        Assert.AreEqual(0.01, root.GetProperty("scheduler_state").GetProperty("base_learning_rate").GetDouble());
        Assert.AreEqual(2, root.GetProperty("training").GetProperty("epochs_completed").GetInt32());
        Assert.AreEqual(2, root.GetProperty("history").GetProperty("epochs").GetArrayLength());
        Assert.AreEqual(3, root.GetProperty("classes").GetArrayLength());
        LrSched.AssertPng(plot);
    }

    [TestMethod]
    public void Retrain_Continue_FinishesAStoppedRun()
    {
        string dir = LrSched.TempDir();
        string half = Path.Combine(dir, "half.zip");
        var stopped = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "3", "--stop-after-epochs", "1", "--hidden", "8", "-o", half, "--plot", Path.Combine(dir, "half.png"));
        Assert.AreEqual(0, stopped.Exit, stopped.Err);
        StringAssert.Contains(stopped.Out, "Stopped after epoch 1 of 3");
        Assert.AreEqual(1, Training(half).GetProperty("epochs_completed").GetInt32());

        string done = Path.Combine(dir, "done.zip");
        var resumed = LrSched.Run("retrain", half, "--continue", "--data", LrSched.Data("wine.csv"), "-o", done);
        Assert.AreEqual(0, resumed.Exit, resumed.Err);
        StringAssert.Contains(resumed.Out, "Continuing the run");
        var training = Training(done);
        Assert.AreEqual(3, training.GetProperty("epochs_completed").GetInt32());
        Assert.AreEqual("Completed", training.GetProperty("stop_reason").GetString());
        LrSched.AssertPng(Path.Combine(dir, "done-training.png"));

        LrSched.AssertError(LrSched.Run("retrain", done, "--continue", "--data", LrSched.Data("wine.csv"), "-o", Path.Combine(dir, "again.zip")), "already completed all its 3 epochs");
        LrSched.AssertError(LrSched.Run("retrain", half, "--continue", "--epochs", "5", "--data", LrSched.Data("wine.csv")), "--epochs 5 (the run has 3)");
    }

    [TestMethod]
    public void Retrain_FineTune_WithANewSchedule()
    {
        string output = Path.Combine(LrSched.TempDir(), "tuned.zip");
        var r = LrSched.Run("retrain", _model, "--data", LrSched.Data("wine.csv"), "--schedule", "cosine(min=0)", "--epochs", "1", "--lr", "0.001", "-o", output);
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "Fine-tuning");
        var root = Info(output);
        Assert.AreEqual("cosine", root.GetProperty("schedule").GetProperty("type").GetString());
        Assert.AreEqual(1, root.GetProperty("training").GetProperty("epochs").GetInt32());
    }

    [TestMethod]
    public void Retrain_DataWithOtherFeatures_IsOneError() =>
        LrSched.AssertError(LrSched.Run("retrain", _model, "--data", LrSched.Data("breast_cancer.csv")), "breast_cancer.csv: 30 numeric feature columns (expected 13, as the model in");

    [TestMethod]
    public void Compare_TwoSchedules()
    {
        string plot = Path.Combine(LrSched.TempDir(), "compare.png");
        var r = LrSched.Run("compare", "--data", LrSched.Data("wine.csv"), "--epochs", "2", "--hidden", "8", "--target", "0.5",
            "--schedules", "constant()", "cosine(min=0)", "--plot", plot);
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "constant()");
        StringAssert.Contains(r.Out, "cosine(min=0)");
        StringAssert.Contains(r.Out, "first epoch >= 0.5");
        LrSched.AssertPng(plot);
    }

    [TestMethod]
    public void Train_Binary_And_Regression_Inferred()
    {
        string dir = LrSched.TempDir();
        var binary = LrSched.Run("train", "--data", LrSched.Data("breast_cancer.csv"), "--epochs", "2", "--hidden", "8", "--optimizer", "nesterov", "--lr", "0.01", "-o", Path.Combine(dir, "b.zip"), "--plot", Path.Combine(dir, "b.svg"));
        Assert.AreEqual(0, binary.Exit, binary.Err);
        StringAssert.Contains(binary.Out, "task BinaryClassification");
        StringAssert.Contains(binary.Out, "AUC");
        var regression = LrSched.Run("train", "--data", LrSched.Data("diabetes.csv"), "--epochs", "2", "--hidden", "8", "--optimizer", "adam", "--lr", "0.01", "-o", Path.Combine(dir, "r.zip"), "--plot", Path.Combine(dir, "r.png"));
        Assert.AreEqual(0, regression.Exit, regression.Err);
        StringAssert.Contains(regression.Out, "task Regression");
        StringAssert.Contains(regression.Out, "RMSE");
        Assert.AreEqual("Sgd", Info(Path.Combine(dir, "b.zip")).GetProperty("optimizer").GetProperty("kind").GetString());
        // The raw target (25 to 346) is standardized by the trainer; inspect shows the mean and standard deviation.
        var label = Info(Path.Combine(dir, "r.zip")).GetProperty("training").GetProperty("label_standardization");
        Assert.IsGreaterThan(100, label.GetProperty("mean").GetDouble());
        Assert.IsGreaterThan(50, label.GetProperty("standard_deviation").GetDouble());
        StringAssert.Contains(LrSched.Run("inspect", Path.Combine(dir, "r.zip")).Out, "Label: standardized (mean ");
        Assert.AreEqual(JsonValueKind.Null, Info(Path.Combine(dir, "b.zip")).GetProperty("training").GetProperty("label_standardization").ValueKind);
    }

    [TestMethod]
    public void Train_ReactiveSchedule_ListensToValidation()
    {
        string dir = LrSched.TempDir();
        var r = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "3", "--hidden", "8", "--schedule", "plateau(patience=0, factor=0.5)", "-o", Path.Combine(dir, "p.zip"), "--plot", Path.Combine(dir, "p.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
        var state = Info(Path.Combine(dir, "p.zip")).GetProperty("scheduler_state");
        Assert.AreEqual(JsonValueKind.Object, state.GetProperty("reactive").ValueKind, state.ToString());
    }

    [TestMethod]
    public void Train_OnAMnistSubset_TheDefaultCnn()
    {
        // One tiny run of the default network (300 rows, one epoch): the CNN is the default, not trained to convergence here.
        string dir = LrSched.TempDir();
        var r = LrSched.Run("train", "--limit-rows", "300", "--epochs", "1", "-o", Path.Combine(dir, "m.zip"), "--plot", Path.Combine(dir, "m.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
        StringAssert.Contains(r.Out, "216 training, 24 validation and 60 test rows");
        StringAssert.Contains(r.Out, "Network: reshape(1, 28, 28) >> conv2d(");
        var network = Info(Path.Combine(dir, "m.zip")).GetProperty("network");
        Assert.AreEqual(10, network.GetProperty("output_size").GetInt32());
        Assert.AreEqual($"input(784) >> {NetworkSpec.Parse(TrainingSpec.MnistNetwork)} >> linear(10)", Info(Path.Combine(dir, "m.zip")).GetProperty("network_text").GetString());
    }

    [TestMethod]
    public void Train_NetworkOption_TakesTheTextForm()
    {
        string dir = LrSched.TempDir();
        var r = LrSched.Run("train", "--data", LrSched.Data("wine.csv"), "--epochs", "1", "--network", "mlp(8, dropout=0.1)", "-o", Path.Combine(dir, "w.zip"), "--plot", Path.Combine(dir, "w.png"));
        Assert.AreEqual(0, r.Exit, r.Err);
        Assert.AreEqual("input(13) >> linear(8) >> relu >> dropout(0.1) >> linear(3)", Info(Path.Combine(dir, "w.zip")).GetProperty("network_text").GetString());
    }

    [TestMethod]
    public void NetworkErrors_NameTheOption()
    {
        string dir = LrSched.TempDir();
        string wine = LrSched.Data("wine.csv");
        string[] Outputs() => ["-o", Path.Combine(dir, "x.zip"), "--plot", Path.Combine(dir, "x.png")];
        LrSched.AssertError(LrSched.Run(["train", "--data", wine, "--network", "conv3d(4)", .. Outputs()]), "--network: received 'conv3d(4)': Unknown layer 'conv3d'. Did you mean 'conv1d'?");
        LrSched.AssertError(LrSched.Run(["train", "--data", wine, "--network", "input(13) >> linear(4)", .. Outputs()]), "--network: received 'input(13) >> linear(4)', which starts with input(13) (expected the network's body");
        LrSched.AssertError(LrSched.Run(["train", "--data", wine, "--network", "mlp(8)", "--hidden", "8", .. Outputs()]), "--hidden: received '8' with --network 'mlp(8)' (expected one of them");
        LrSched.AssertError(LrSched.Run(["train", "--data", wine, "--network", "reshape(1, 28, 28) >> conv2d(4, kernel=3)", "--epochs", "1", .. Outputs()]),
            "--network: Layer 0 'reshape(1, 28, 28)' of the network receives a flat vector of 13 features but needs 784 values per example (1×28×28) (expected a network whose layers take the data's features");
        LrSched.AssertError(LrSched.Run(["find-lr", "--data", wine, "--network", "reshape(2, 2, 2)"]), "--network: Layer 0 'reshape(2, 2, 2)'");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "x.zip")));
    }

    [TestMethod]
    public void Errors_AreOneLineWithoutStackTrace()
    {
        string dir = LrSched.TempDir();
        string wine = LrSched.Data("wine.csv");
        LrSched.AssertError(LrSched.Run("train", "--data", wine, "--label", "nope", "-o", Path.Combine(dir, "x.zip")), "wine.csv: no column 'nope' (expected the label column");
        LrSched.AssertError(LrSched.Run("train", "--data", Path.Combine(dir, "missing.csv")), "missing.csv: no such file (expected a CSV or TSV data file)");
        LrSched.AssertError(LrSched.Run("train", "--data", wine, "--schedule", "cosine(", "-o", Path.Combine(dir, "x.zip")), "error:");
        LrSched.AssertError(LrSched.Run("train", "--data", wine, "--task", "ranking"), "multiclass, binary or regression");
        LrSched.AssertError(LrSched.Run("train", "--data", wine, "--hidden", "8,x"), "--hidden");
        LrSched.AssertError(LrSched.Run("train", "--data", wine, "--lr", "-1", "--epochs", "1", "-o", Path.Combine(dir, "x.zip"), "--plot", Path.Combine(dir, "x.png")), "--lr: received -1 (expected a finite number > 0)");
        string notZip = Path.Combine(dir, "notzip.zip");
        File.WriteAllText(notZip, "hello");
        LrSched.AssertError(LrSched.Run("inspect", notZip), "notzip.zip");
        LrSched.AssertError(LrSched.Run("inspect", Path.Combine(dir, "none.zip")), "none.zip: no such file (expected a model file)");
        LrSched.AssertError(LrSched.Run("train", "--data", LrSched.Data("diabetes.csv"), "--optimizer", "sgd", "--lr", "10", "--epochs", "1", "-o", Path.Combine(dir, "x.zip"), "--plot", Path.Combine(dir, "x.png")), "diverged");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "x.zip")));
    }

    private static JsonElement Info(string model)
    {
        var r = LrSched.Run("inspect", model, "--json");
        Assert.AreEqual(0, r.Exit, r.Err);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    private static JsonElement Training(string model) => Info(model).GetProperty("training");
}
