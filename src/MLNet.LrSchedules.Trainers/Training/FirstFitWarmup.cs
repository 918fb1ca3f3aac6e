using System.Reflection;
using System.Runtime.CompilerServices;
using MLNet.LrSchedules;
using MLNet.LrSchedules.Trainers.Native;

namespace MLNet.LrSchedules.Trainers;

/// <summary>
/// What the first <c>Fit</c> of a process would otherwise do in series, started on thread-pool threads as it begins: loading
/// libtorch (a few hundred milliseconds of native loading) and compiling the methods the training path runs (the JIT's
/// tier-0 code for about two hundred methods), so that on a machine with an idle core they are done while the calling
/// thread checks the columns and reads the data (docs/BENCHMARKS.md, "Cold start").
/// </summary>
/// <remarks>
/// Runs once per process, only from <c>Fit</c>/<c>Resume</c> (training is a TorchSharp use, so loading the CPU backend then is
/// what would happen anyway; a PyTorch backend must be loaded before, as always). A failure to load is left for the calling
/// thread to report, with its own message. Preparing a method that is already compiled does nothing.
/// </remarks>
internal static class FirstFitWarmup
{
    // The types on the path of a Fit: reading the data, the engine's epoch loop, the network, the optimizer, the schedule
    // driver, the checkpoint and the fitted transformer. Methods of generic types and generic methods cannot be prepared
    // without their type arguments and are left to the JIT.
    private static readonly Type[] Path =
    [
        typeof(TorchNetworkTrainer), typeof(TorchTrainerOptions), typeof(TorchMlpOptions), typeof(TorchNetworkOptions), typeof(TaskColumns),
        typeof(DataViewRows), typeof(DataViewRowReader), typeof(DataViewBatchSource), typeof(ResidentRowsBuilder), typeof(ResidentBatchSource),
        typeof(HostTensors), typeof(TrainingEngine), typeof(BatchFeed), typeof(OptimizerStep), typeof(Validation), typeof(RunState),
        typeof(TrainingCheckpoint), typeof(TrainingHistory), typeof(TrainingResult), typeof(EngineSettings), typeof(OptimizerSettings),
        typeof(NetworkSpec), typeof(NetworkBuilder), typeof(SequentialNetwork), typeof(NetworkCost), typeof(Optimizers), typeof(FlatParameters),
        typeof(TaskObjective), typeof(TorchThreads), typeof(TorchDevices), typeof(LrScheduler), typeof(LrSchedulerState),
        typeof(TorchNetworkTransformer), typeof(TorchNetworkModel), typeof(LabelKeyValues),
    ];

    private static int _started;

    /// <summary>The <see cref="AppContext"/> switch that turns the warm-up off (set it to true in the application's runtimeconfig or with <see cref="AppContext.SetSwitch"/>).</summary>
    public const string DisableSwitch = "MLNet.LrSchedules.DisableFirstFitWarmup";

    /// <summary>Starts the work on the thread pool the first time it is called in the process; later calls return at once.</summary>
    public static void Start()
    {
        if (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled) return;
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(static _ => Load(), null);
        ThreadPool.UnsafeQueueUserWorkItem(static _ => Compile(), null);
    }

    private static void Load()
    {
        try
        {
            TorchSharpRuntime.EnsureLoaded();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or TypeInitializationException or DllNotFoundException)
        {
            // Fit calls EnsureLoaded again on its own thread and reports the failure there.
        }
    }

    private static void Compile()
    {
        const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var type in Path.Concat(Path.SelectMany(t => t.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic)).Concat(Subtypes())))
        {
            if (type.ContainsGenericParameters) continue;
            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0) continue;
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or TypeLoadException or BadImageFormatException)
                {
                    // A method the runtime will not prepare ahead (an unusual signature): the JIT compiles it when called.
                }
            }
        }
    }

    // The task strategies are small sealed subclasses; the one a run uses is only known at Fit.
    private static IEnumerable<Type> Subtypes() =>
        typeof(TaskObjective).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(TaskObjective)))
            .Concat(typeof(TaskColumns).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(TaskColumns))));
}
