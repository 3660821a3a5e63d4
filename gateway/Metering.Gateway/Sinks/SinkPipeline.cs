using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Retry (exponential backoff with jitter) around a circuit breaker, toward one sink.
/// The breaker sees every attempt, so a dead database opens it within one drain cycle; while it
/// is open the write is not attempted and the rows simply stay in the outbox.</summary>
internal static class SinkPipeline
{
    public static ResiliencePipeline Build(string sink, InfluxOptions o, TimeProvider time,
        CircuitBreakerStateProvider state, ILogger log)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (o.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(o.RetryBaseDelayMs),
                MaxDelay = TimeSpan.FromMilliseconds(o.RetryMaxDelayMs),
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
            FailureRatio = o.BreakerFailureRatio,
            MinimumThroughput = o.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromMilliseconds(o.BreakerSamplingDurationMs),
            BreakDuration = TimeSpan.FromMilliseconds(o.BreakerBreakDurationMs),
            StateProvider = state,
            OnOpened = args =>
            {
                log.LogWarning("Breaker toward sink {Sink} opened for {BreakDurationMs} ms after: {Error}; rows stay in the outbox",
                    sink, (long)args.BreakDuration.TotalMilliseconds, args.Outcome.Exception?.Message);
                return default;
            },
            OnHalfOpened = _ =>
            {
                log.LogInformation("Breaker toward sink {Sink} half-open: probing with one write", sink);
                return default;
            },
            OnClosed = _ =>
            {
                log.LogInformation("Breaker toward sink {Sink} closed: draining the outbox", sink);
                return default;
            },
        });
        return builder.Build();
    }

    /// <summary>Worth retrying and counting against the database: everything except refused lines,
    /// our own store's errors (any database provider's DbException), an already open breaker and shutdown.</summary>
    internal static bool IsTransient(Exception? e, CancellationToken token) => e switch
    {
        null => false,
        BrokenCircuitException or SinkRejectedException or System.Data.Common.DbException => false,
        OperationCanceledException when token.IsCancellationRequested => false,
        _ => true,
    };

    internal static string StateName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half_open",
        _ => "open", // Open and Isolated both hold writes back
    };
}
