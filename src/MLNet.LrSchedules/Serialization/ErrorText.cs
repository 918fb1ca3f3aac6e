namespace MLNet.LrSchedules.Serialization;

/// <summary>Exception messages as they read inside a format error.</summary>
internal static class ErrorText
{
    /// <summary>
    /// The message without the " (Parameter 'x')" and "Actual value was ..." lines the runtime appends to argument
    /// exceptions: the project's messages already name the parameter and the value.
    /// </summary>
    public static string Of(Exception exception)
    {
        string message = exception.Message;
        if (exception is ArgumentException { ParamName: { } name })
        {
            int suffix = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (suffix >= 0) message = message[..suffix];
        }
        return message;
    }
}
