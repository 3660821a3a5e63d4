using System.Diagnostics;

namespace Commons.Metering.Testing;

/// <summary>The one set of bounded polling helpers of the test projects: wait for work another
/// thread or process does (a commit, a delivery, a status), never for time to pass. A test on a fake
/// clock advances the clock and polls for the effect; it does not sleep. The timeout is real time
/// (monotonic), generous on a shared machine; the interval only sets how often the condition is read.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>True as soon as <paramref name="condition"/> holds; false when it still does not
    /// after <paramref name="timeout"/> (read once more at the end).</summary>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, interval);

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan, TimeSpan?)"/>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await condition().ConfigureAwait(false)) return true;
            await Task.Delay(interval ?? DefaultInterval).ConfigureAwait(false);
        }
        return await condition().ConfigureAwait(false);
    }

    /// <summary>As <see cref="UntilAsync(Func{bool}, TimeSpan, TimeSpan?)"/>, but a timeout fails the
    /// test with <paramref name="describe"/> (the state reached, read at the end).</summary>
    public static Task UntilOrFailAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe, TimeSpan? interval = null) =>
        UntilOrFailAsync(() => Task.FromResult(condition()), timeout, describe, interval);

    /// <inheritdoc cref="UntilOrFailAsync(Func{bool}, TimeSpan, Func{string}, TimeSpan?)"/>
    public static async Task UntilOrFailAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, TimeSpan? interval = null)
    {
        if (!await UntilAsync(condition, timeout, interval).ConfigureAwait(false))
            throw new TimeoutException($"not reached within {timeout.TotalSeconds:0.#} s: {describe()}");
    }

    /// <summary>The blocking form, for tests that drive a process synchronously.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(interval ?? DefaultInterval);
        }
        return condition();
    }
}
