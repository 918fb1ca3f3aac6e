using System.Runtime.InteropServices;

namespace MLNet.LrSchedules.Tool.Training;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM during a command: while training, the run stops after the current optimizer step and the
/// command saves a resumable model; at any other moment the command finishes what it is doing (a save completes) and
/// does not start training. A second signal ends the process at once, which the atomic writes make safe too.
/// </summary>
/// <remarks>Training sees the signal through <see cref="Token"/>, the trainers' <c>CancellationToken</c> option.</remarks>
internal sealed class Interruption : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();

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

    /// <summary>Canceled by the first signal or <see cref="Stop"/>: give it to every trainer of the command.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Cancels training as a signal would (used by --stop-after-epochs).</summary>
    public void Stop(string reason)
    {
        lock (_gate)
        {
            Signal ??= reason;
            _stop.Cancel();
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
            Console.Error.WriteLine(Training
                ? $"Interrupted ({Signal}): stopping after the current step and saving a resumable model (again to quit now)."
                : $"Interrupted ({Signal}): finishing the current step, no training will start (again to quit now).");
            _stop.Cancel();
            Files.TestHooks.Release();
        }
    }

    /// <summary>Whether training is under way (for the message a signal prints).</summary>
    public bool Training { get; set; }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
        _stop.Dispose();
    }
}
