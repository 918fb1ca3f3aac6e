// The crash and lock tests mostly wait on child processes: classes run side by side. In-process runs of lrsched still
// take turns (LrSched.Run holds a lock while it redirects the console).
[assembly: Parallelize(Scope = ExecutionScope.ClassLevel)]
