using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Training;

namespace NetGen.Tests;

/// <summary>The worker crew behind DataParallel: every item runs once, failures reach the caller, and a second caller
/// while the crew is busy still gets its work done (on the thread pool).</summary>
[Collection(nameof(ShardCrewCollection))]
public class ShardCrewTests
{
    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(37, 1)]
    [InlineData(37, 2)]
    [InlineData(200, 4)]
    public void Run_RunsEveryItemExactlyOnce(int count, int threads)
    {
        for (int round = 0; round < 20; round++) // back to back, as training calls it: spinning and sleeping workers
        {
            var runs = new int[count];
            ShardCrew.Run(count, threads, item => Interlocked.Increment(ref runs[item]));
            Assert.All(runs, r => Assert.Equal(1, r));
            if (round % 5 == 4)
            {
                Thread.Sleep(ShardCrew.SpinMicroseconds / 100); // long enough for idle workers to block
            }
        }
    }

    [Fact]
    public void Run_RethrowsAFailure_AfterTheOtherItemsFinish()
    {
        var runs = new int[50];
        var failure = Assert.Throws<InvalidOperationException>(() => ShardCrew.Run(runs.Length, 2, item =>
        {
            Interlocked.Increment(ref runs[item]);
            if (item == 17)
            {
                throw new InvalidOperationException("item 17 failed");
            }
        }));
        Assert.Equal("item 17 failed", failure.Message);
        Assert.All(runs, r => Assert.Equal(1, r));

        var after = new int[10];
        ShardCrew.Run(after.Length, 2, item => after[item]++); // the crew is usable again
        Assert.All(after, r => Assert.Equal(1, r));
    }

    [Fact]
    public async Task Run_WhileTheCrewIsBusy_FallsBackAndStillRethrowsTheItemsOwnException()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() => ShardCrew.Run(2, 2, _ => // two items: one item runs inline, without the crew
        {
            inside.Set();
            release.Wait();
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)), "the first job never started");

        // The crew is busy with the job above, so this call runs on the thread pool.
        var failure = Assert.Throws<InvalidOperationException>(() =>
            ShardCrew.Run(8, 2, item => throw new InvalidOperationException($"item {item} failed")));
        Assert.StartsWith("item ", failure.Message);

        release.Set();
        await holder.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>One item (a batch of one shard) runs on the calling thread and allocates nothing, even while another
    /// training holds the crew, where a call of several items falls back to the thread pool.</summary>
    [Fact]
    public async Task OneItem_RunsInline_AndAllocatesNothing_WhileTheCrewIsBusy()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() => ShardCrew.Run(2, 2, _ =>
        {
            inside.Set();
            release.Wait();
        }));
        try
        {
            Assert.True(inside.Wait(TimeSpan.FromSeconds(10)), "the first job never started");
            var work = new CountingWork();
            ShardCrew.Run(1, 2, work);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ShardCrew.Run(1, 2, work);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(2, work.Runs);
        }
        finally
        {
            release.Set();
            await holder.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private sealed class CountingWork : IShardWork
    {
        public int Runs;

        public void Run(int item) => Runs++;
    }

    [Fact]
    public void Run_FromSeveralThreadsAtOnce_CompletesEveryCall()
    {
        var totals = new long[4];
        Parallel.For(0, totals.Length, new ParallelOptions { MaxDegreeOfParallelism = totals.Length }, caller =>
        {
            for (int round = 0; round < 50; round++)
            {
                var values = new long[64];
                ShardCrew.Run(values.Length, 2, item => values[item] = item + 1);
                totals[caller] += values.Sum();
            }
        });
        Assert.All(totals, total => Assert.Equal(50L * 64 * 65 / 2, total));
    }
}
