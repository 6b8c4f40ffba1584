using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace NetGen.Training
{
    /// <summary>Work that <see cref="ShardCrew"/> runs item by item; one object reused for every wave, so a wave
    /// allocates nothing (a lambda would allocate a closure and a delegate per wave).</summary>
    internal interface IShardWork
    {
        /// <summary>Runs item <paramref name="item"/>; items run concurrently and each writes only its own output.</summary>
        void Run(int item);
    }

    /// <summary>The worker threads behind <see cref="DataParallel{T}"/>: one process-wide crew of background threads.
    /// While a training run holds the crew (<see cref="Hold"/>, as <see cref="Trainer.Train{T}"/> does for its whole
    /// run), a worker that finished a job spins for <see cref="SpinMicroseconds"/> before it blocks, so the next step's
    /// job starts on threads that are already running instead of waking them (W3's two-thread step: see
    /// docs/performance.md). When nothing holds the crew, workers block as soon as a job is done: between training runs
    /// they use no CPU at all.</summary>
    /// <remarks>One job runs on the crew at a time, and its state lives in static fields reused for every job, so a
    /// job allocates nothing. A call from another thread that finds the crew busy (DataParallel used from two threads at
    /// once), or a call nested inside an item, runs on the thread pool instead. Either way a failing item's own
    /// exception reaches the caller. Which thread runs which item never changes a result: every item writes its own
    /// output.</remarks>
    internal static class ShardCrew
    {
        /// <summary>How long an idle worker keeps polling for the next job before it blocks, while the crew is held.</summary>
        public const int SpinMicroseconds = 200;

        private static readonly object Busy = new();
        private static readonly object Sleep = new();
        private static int _generation;
        private static int _workers;
        private static int _holds;

        // The current job; written by the caller under Sleep before it is published, read by workers after they join.
        private static IShardWork? _work;
        private static int _count;
        private static int _next;
        private static int _done;
        private static int _helpers;
        private static int _joined;
        private static int _left;
        private static bool _open;
        private static ExceptionDispatchInfo? _failure;

        /// <summary>The number of crew threads started so far (they live for the whole process).</summary>
        public static int Workers => Volatile.Read(ref _workers);

        /// <summary>Lets idle workers spin between jobs until the matching <see cref="Release"/>; holds nest.</summary>
        public static void Hold() => Interlocked.Increment(ref _holds);

        /// <summary>Ends a <see cref="Hold"/>; with none left, workers block as soon as they finish (within
        /// <see cref="SpinMicroseconds"/> if they are spinning now).</summary>
        public static void Release() => Interlocked.Decrement(ref _holds);

        /// <summary>Runs <paramref name="body"/> for items 0 to <paramref name="count"/> - 1 (allocates an adapter: for
        /// tests and occasional callers).</summary>
        public static void Run(int count, int threads, Action<int> body) => Run(count, threads, new ActionWork(body));

        /// <summary>Runs <paramref name="work"/> for items 0 to <paramref name="count"/> - 1 on the calling thread and up to
        /// <paramref name="threads"/> - 1 crew threads; returns when every item is done and rethrows the first failure.
        /// Allocates nothing once the workers are started.</summary>
        public static void Run(int count, int threads, IShardWork work)
        {
            threads = Math.Max(1, threads);
            if (count <= 1 || threads == 1)
            {
                // One item, or one thread: the calling thread does it all. No crew to wake, and nothing allocated even
                // while another training holds the crew (whose fallback, Parallel.For, allocates).
                for (int item = 0; item < count; item++)
                {
                    work.Run(item);
                }

                return;
            }

            if (Monitor.IsEntered(Busy) || !Monitor.TryEnter(Busy))
            {
                RunOnThreadPool(count, threads, work);
                return;
            }

            try
            {
                Hire(threads - 1);
                Publish(count, threads - 1, work);
                Work();
                var spin = default(SpinWait);
                while (Volatile.Read(ref _done) < count)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Close();
                ExceptionDispatchInfo? failure = _failure;
                _failure = null;
                failure?.Throw();
            }
            finally
            {
                Monitor.Exit(Busy);
            }
        }

        private static void RunOnThreadPool(int count, int threads, IShardWork work)
        {
            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, work.Run);
            }
            catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
            {
                // The crew rethrows the item's own exception; so does this path.
                ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
            }
        }

        /// <summary>Sets up the job and wakes the workers.</summary>
        private static void Publish(int count, int helpers, IShardWork work)
        {
            lock (Sleep)
            {
                (_work, _count, _next, _done, _failure) = (work, count, -1, 0, null);
                (_helpers, _joined, _left, _open) = (helpers, 0, 0, true);
                _generation++;
                Monitor.PulseAll(Sleep);
            }
        }

        /// <summary>Stops workers joining, then waits for those that joined to leave, so that no worker still reads the
        /// job's fields when the next job overwrites them.</summary>
        private static void Close()
        {
            int joined;
            lock (Sleep)
            {
                _open = false;
                joined = _joined;
            }

            var spin = default(SpinWait);
            while (Volatile.Read(ref _left) < joined)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            _work = null;
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
                Interlocked.Increment(ref _workers);
            }
        }

        private static void Serve(int seen)
        {
            bool worked = true;
            while (true)
            {
                // Only a worker that took part in the last job, during a held run, expects the next one soon.
                if (worked && Volatile.Read(ref _holds) > 0)
                {
                    long deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * SpinMicroseconds / 1_000_000);
                    var spin = default(SpinWait);
                    while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < deadline)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                    }
                }

                lock (Sleep)
                {
                    while (_generation == seen)
                    {
                        Monitor.Wait(Sleep);
                    }

                    seen = _generation;
                    worked = _open && _joined < _helpers;
                    if (worked)
                    {
                        _joined++;
                    }
                }

                if (worked)
                {
                    Work();
                    Interlocked.Increment(ref _left);
                }
            }
        }

        /// <summary>Takes items one at a time until none are left.</summary>
        private static void Work()
        {
            IShardWork work = _work!;
            int count = _count;
            for (int item = Interlocked.Increment(ref _next); item < count; item = Interlocked.Increment(ref _next))
            {
                try
                {
                    work.Run(item);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
                }
                finally
                {
                    Interlocked.Increment(ref _done);
                }
            }
        }

        private sealed class ActionWork(Action<int> body) : IShardWork
        {
            public void Run(int item) => body(item);
        }
    }
}
