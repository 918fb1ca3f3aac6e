using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM during a command: while training, the run stops after the current optimizer step and the
/// command saves a resumable model; at any other moment the command finishes what it is doing (a save completes) and
/// does not start training. A second signal ends the process at once, which the atomic writes make safe too.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly object _gate = new();
    private MLContext? _training;

    public Interruption()
    {
        // Windows has no SIGTERM: Ctrl+C and Ctrl+Break reach us as SIGINT/SIGQUIT there.
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { }
        }
    }

    /// <summary>The signal received, if any.</summary>
    public string? Signal { get; private set; }

    public bool Requested => Signal is not null;

    /// <summary>Signals from now on cancel training in <paramref name="ml"/> (through <c>MLContext.CancelExecution</c>).</summary>
    public void Attach(MLContext ml)
    {
        lock (_gate)
        {
            _training = ml;
            if (Requested) CancelExecution(ml);
        }
    }

    public void Detach()
    {
        lock (_gate) _training = null;
    }

    /// <summary>Cancels the attached training as a signal would (used by --stop-after-epochs).</summary>
    public void Stop(string reason)
    {
        lock (_gate)
        {
            Signal ??= reason;
            if (_training is { } ml) CancelExecution(ml);
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        lock (_gate)
        {
            // The second signal: let the default action end the process.
            if (Requested) return;
            Signal = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl+C";
            context.Cancel = true;
            Console.Error.WriteLine(_training is null
                ? $"Interrupted ({Signal}): finishing the current step, no training will start (again to quit now)."
                : $"Interrupted ({Signal}): stopping after the current step and saving a resumable model (again to quit now).");
            if (_training is { } ml) CancelExecution(ml);
            Files.TestHooks.Release();
        }
    }

    /// <summary><c>MLContext.CancelExecution()</c> is internal in ML.NET 5 (AutoML uses it); the trainers stop before the next step when it is called.</summary>
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.Invoke(ml, null);

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }
}
