// Notebooks share process-wide state (the formatter registry, Console.Out), so they run one at a time.
[assembly: DoNotParallelize]
