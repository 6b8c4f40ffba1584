using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace NetGen.Training
{
    /// <summary>The worker threads behind <see cref="DataParallel{T}"/>: one process-wide crew of background threads that,
    /// after finishing a job, spin for <see cref="SpinMicroseconds"/> before they sleep. Training calls DataParallel back
    /// to back with only the optimizer step in between, so the next job starts on threads that are already running instead
    /// of waking thread-pool workers (W3's two-thread step: see docs/performance.md).</summary>
    /// <remarks>One job runs on the crew at a time; a call from another thread that finds it busy (DataParallel used from
    /// two threads at once) runs on the thread pool instead (a call nested inside an item, on the same thread, re-enters
    /// the crew and completes too). Either way a failing item's own exception reaches the caller. Which
    /// thread runs which item never changes a result: every item writes its own output.</remarks>
    internal static class ShardCrew
    {
        /// <summary>How long an idle worker keeps polling for the next job before it blocks.</summary>
        public const int SpinMicroseconds = 200;

        private static readonly object Busy = new();
        private static readonly object Sleep = new();
        private static Job? _job;
        private static int _generation;
        private static int _workers;

        /// <summary>Runs <paramref name="body"/> for items 0 to <paramref name="count"/> - 1 on the calling thread and up to
        /// <paramref name="threads"/> - 1 crew threads; returns when every item is done and rethrows the first failure.</summary>
        public static void Run(int count, int threads, Action<int> body)
        {
            threads = Math.Max(1, threads);
            if (!Monitor.TryEnter(Busy))
            {
                try
                {
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
                }
                catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
                {
                    // The crew rethrows the item's own exception; so does this path.
                    ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
                }

                return;
            }

            try
            {
                Hire(threads - 1);
                var job = new Job(body, count, threads - 1);
                lock (Sleep)
                {
                    Volatile.Write(ref _job, job);
                    _generation++;
                    Monitor.PulseAll(Sleep);
                }

                job.Work();
                var spin = default(SpinWait);
                while (Volatile.Read(ref job.Done) < count)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Volatile.Write(ref _job, null);
                job.Failure?.Throw();
            }
            finally
            {
                Monitor.Exit(Busy);
            }
        }

        private static void Hire(int workers)
        {
            while (_workers < Math.Min(workers, Environment.ProcessorCount - 1))
            {
                int seen;
                lock (Sleep)
                {
                    seen = _generation;
                }

                var thread = new Thread(() => Serve(seen)) { IsBackground = true, Name = "NetGen DataParallel worker" };
                thread.UnsafeStart(); // no captured ExecutionContext: the worker outlives its first caller
                _workers++;
            }
        }

        private static void Serve(int seen)
        {
            bool worked = true;
            while (true)
            {
                // Only a worker that took part in the last job expects the next one soon; the others sleep at once.
                long deadline = Stopwatch.GetTimestamp() + (worked ? Stopwatch.Frequency * SpinMicroseconds / 1_000_000 : 0);
                var spin = default(SpinWait);
                while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < deadline)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Job? job;
                lock (Sleep)
                {
                    while (_generation == seen)
                    {
                        Monitor.Wait(Sleep);
                    }

                    seen = _generation;
                    job = _job;
                }

                worked = job is not null && Interlocked.Increment(ref job.Joined) <= job.Helpers;
                if (worked)
                {
                    job!.Work();
                }
            }
        }

        private sealed class Job
        {
            private readonly Action<int> _body;
            private readonly int _count;
            private int _next = -1;

            public Job(Action<int> body, int count, int helpers)
            {
                _body = body;
                _count = count;
                Helpers = helpers;
            }

            public int Helpers { get; }

            public int Joined;

            public int Done;

            private ExceptionDispatchInfo? _failure;

            public ExceptionDispatchInfo? Failure => Volatile.Read(ref _failure);

            /// <summary>Takes items one at a time until none are left.</summary>
            public void Work()
            {
                for (int item = Interlocked.Increment(ref _next); item < _count; item = Interlocked.Increment(ref _next))
                {
                    try
                    {
                        _body(item);
                    }
                    catch (Exception exception)
                    {
                        Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
                    }
                    finally
                    {
                        Interlocked.Increment(ref Done);
                    }
                }
            }
        }
    }
}
