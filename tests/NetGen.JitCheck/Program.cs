using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using NetGen;

// Calls every public pass of a few generated networks (trainable and baked) until the runtime reports, through its own
// JIT events, that every hot generated method it compiled at tier 0 has been recompiled fully optimised; then exits.
// It waits on events rather than for a fixed time, because when tier-up happens depends on how busy the machine is.
// NetGen.Package.Tests/JitTests runs it with DOTNET_JitDisasmSummary=1 (and tiering knobs that remove the instrumented
// tier and the call-counting delay), then reads the JIT's summary from stdout; this program reports on stderr.
using var jit = new JitLoads();
INeuralNetwork<float>[] networks = { new Xor(), new Mnist(), new Wide(), new Maxout() };

Exercise(networks);

// Event delivery is asynchronous. A method first called after the round is compiled after everything the round
// compiled on this thread, and events arrive in order, so once its load is seen every tier-0 load of the round is too.
JitMarker.Touch();
TimeSpan bound = TimeSpan.FromSeconds(20);
if (!jit.WaitForMarker(bound))
{
    Console.Error.WriteLine($"no JIT event for the marker method within {bound.TotalSeconds} s: is the runtime's event source off?");
    return 2;
}

var clock = Stopwatch.StartNew();
int rounds = 1;
List<string> pending;
while ((pending = jit.NotYetOptimised()).Count > 0)
{
    if (clock.Elapsed > bound)
    {
        Console.Error.WriteLine($"after {rounds} rounds and {bound.TotalSeconds} s, still not fully optimised:");
        pending.ForEach(m => Console.Error.WriteLine("  " + m));
        return 1;
    }

    Exercise(networks);
    rounds++;
}

Console.Error.WriteLine($"exercised: {jit.Promoted} hot generated methods promoted from tier 0 after {rounds} rounds ({clock.ElapsedMilliseconds} ms)");
return 0;

static void Exercise(INeuralNetwork<float>[] networks)
{
    foreach (INeuralNetwork<float> net in networks)
    {
        var x = new float[net.InputSize * 3];
        var y = new float[net.OutputSize * 3];
        net.Forward(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.Backward(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.ComputeLoss(x.AsSpan(0, net.InputSize), y.AsSpan(0, net.OutputSize));
        net.ForwardBatch(x, y);
        net.BackwardBatch(x, y);
        net.ZeroGradients();
    }

    float[] input = new float[2], output = new float[1];
    XorBaked.Forward(input, output);
    XorBaked.Classify(input);
}

/// <summary>Listens to the runtime's own JIT events (provider Microsoft-Windows-DotNETRuntime, keyword JIT 0x10,
/// MethodLoadVerbose) and keeps, for each generated method, the optimisation tier of its latest compiled code.</summary>
internal sealed class JitLoads : EventListener
{
    /// <summary>The methods JitTests calls hot: the passes and the kernels (Affine*).</summary>
    private static readonly string[] HotNames = { "Forward", "Backward", "ComputeLoss", "ForwardBatch", "BackwardBatch", "ZeroGradients", "Classify" };
    private static readonly string[] GeneratedTypes = { "Xor", "Mnist", "Wide", "Maxout", "XorBaked" };

    private const int MethodLoadVerbose = 143;
    private const long JitKeyword = 0x10;

    // The tier sits in bits 7-9 of MethodFlags (dotnet/runtime eventtrace.h: MethodFlagsJitOptimizationTierShift,
    // ...LowMask); values as in its JitOptimizationTier enum and TraceEvent's OptimizationTier.
    private const int TierShift = 7, TierMask = 0x7;
    private const int Optimized = 2, QuickJitted = 3, OptimizedTier1 = 4, OptimizedTier1Osr = 5, QuickJittedInstrumented = 6;

    // Field initialisers run before the base constructor, which may already call OnEventSourceCreated.
    private readonly ConcurrentDictionary<string, int> _latest = new();
    private readonly ConcurrentDictionary<string, bool> _startedAtTier0 = new();
    private readonly ManualResetEventSlim _marker = new();

    public int Promoted => _startedAtTier0.Count;

    public bool WaitForMarker(TimeSpan bound) => _marker.Wait(bound);

    /// <summary>Hot generated methods that started at tier 0 and whose latest code is not yet Tier1 or FullOpts.
    /// An OSR body replaces only a running loop, not the method's entry point, so it does not count.</summary>
    public List<string> NotYetOptimised() => _startedAtTier0.Keys
        .Where(m => _latest[m] is not (OptimizedTier1 or Optimized))
        .Select(m => $"{m} at tier {_latest[m]}")
        .OrderBy(m => m, StringComparer.Ordinal)
        .ToList();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)JitKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId != MethodLoadVerbose || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        // Kernels live in NetGen.Generated.<network>: count them under their network's name.
        string type = Field<string>(e, "MethodNamespace").Replace("NetGen.Generated.", string.Empty, StringComparison.Ordinal);
        string name = Field<string>(e, "MethodName");
        if (type == nameof(JitMarker))
        {
            _marker.Set();
            return;
        }

        if (!GeneratedTypes.Contains(type) || !(HotNames.Contains(name) || name.StartsWith("Affine", StringComparison.Ordinal)))
        {
            return;
        }

        int tier = (int)((Convert.ToUInt32(e.Payload[e.PayloadNames.IndexOf("MethodFlags")]) >> TierShift) & TierMask);
        if (tier == OptimizedTier1Osr)
        {
            return;
        }

        string method = $"{type}.{name}{Field<string>(e, "MethodSignature")}";
        _latest[method] = tier;
        if (tier is QuickJitted or QuickJittedInstrumented)
        {
            _startedAtTier0[method] = true;
        }
    }

    private static T Field<T>(EventWrittenEventArgs e, string field) => (T)e.Payload![e.PayloadNames!.IndexOf(field)]!;

    public override void Dispose()
    {
        base.Dispose();
        _marker.Dispose();
    }
}

/// <summary>Compiled on its first call, after everything the first round compiled on the same thread.</summary>
internal static class JitMarker
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Touch()
    {
    }
}

[Input(2)] [Dense(4, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]
public partial class Xor;

[Input(784)] [Dense(128, Activation.ReLU)] [Dense(10, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]
public partial class Mnist;

[Input(300)] [Dense(1000, Activation.ELU)] [Maxout(70, 3)] [Loss(LossFunction.MeanSquaredError)]
public partial class Wide;

[Input(6)] [Maxout(5, 3)] [Dense(8, Activation.LeakyReLU)] [Dense(3)] [Loss(LossFunction.MeanSquaredError)]
public partial class Maxout;

[Input(2)] [Dense(2, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Weights("xor.json")]
public static partial class XorBaked;
