using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using NetGen;
using NetGen.Training;

// Issue 15, part 5: the same rows built from another checkout ("before") and from this one, as two jobs of one run:
//   git worktree add ../before 5016dee
//   dotnet run -c Release --project benchmarks/NetGen.BeforeAfter -- --before ../before [--filter '*LForward*']
int at = Array.IndexOf(args, "--before");
if (at < 0 || at + 1 >= args.Length || !Directory.Exists(Path.Combine(args[at + 1], "src", "NetGen.Runtime")))
{
    Console.Error.WriteLine("--before needs the path of another NetGen checkout (a folder with src/NetGen.Runtime).");
    return 1;
}

string before = Path.GetFullPath(args[at + 1]) + Path.DirectorySeparatorChar;
Job job = Job.Default.WithWarmupCount(6).WithIterationCount(20);
IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median)
    .AddJob(job.WithId("before").WithArguments([new MsBuildArgument($"/p:NetGenSource={before}")]))
    .AddJob(job.WithId("this checkout").AsBaseline());
string[] rest = args.Where((_, i) => i != at && i != at + 1).ToArray();
BenchmarkSwitcher.FromAssembly(typeof(Part5).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
return 0;

/// <summary>W1's <c>Forward</c> and W2's step (<c>Backward</c> + <c>Sgd.Step</c>) and fused <c>SgdStep</c>, on the
/// benchmarks' S, M and L networks.</summary>
[MemoryDiagnoser]
public class Part5
{
    private const float LearningRate = 1e-8f;
    private readonly SmallNet _s = new();
    private readonly MediumNet _m = new();
    private readonly LargeNet _l = new();
    private readonly Sgd<float> _sgdS = new(LearningRate), _sgdM = new(LearningRate), _sgdL = new(LearningRate);
    private readonly float[] _x8 = Values(8), _x64 = Values(64), _x784 = Values(784);
    private readonly float[] _d1 = [0.5f], _d10 = new float[10], _y1 = new float[1], _y10 = new float[10];

    public Part5() => _d10[3] = 1;

    [Benchmark] public void SForward() => _s.Forward(_x8, _y1);
    [Benchmark] public void MForward() => _m.Forward(_x64, _y10);
    [Benchmark] public void LForward() => _l.Forward(_x784, _y10);
    [Benchmark] public void SStep() => Step(_s, _sgdS, _x8, _d1);
    [Benchmark] public void MStep() => Step(_m, _sgdM, _x64, _d10);
    [Benchmark] public void LStep() => Step(_l, _sgdL, _x784, _d10);
    [Benchmark] public float SSgdStep() => _s.SgdStep(_x8, _d1, LearningRate);
    [Benchmark] public float MSgdStep() => _m.SgdStep(_x64, _d10, LearningRate);
    [Benchmark] public float LSgdStep() => _l.SgdStep(_x784, _d10, LearningRate);

    private static void Step<TNet>(TNet net, Sgd<float> sgd, float[] x, float[] d) where TNet : INeuralNetwork<float>
    {
        net.ZeroGradients();
        net.Backward(x, d);
        sgd.Step(net.Parameters, net.Gradients, 1);
    }

    private static float[] Values(int n)
    {
        var random = new Random(1);
        return Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }
}

[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(16, Activation.Tanh)]
[Dense(1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SmallNet;

[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class MediumNet;

[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
[Loss(LossFunction.CrossEntropy)]
public partial class LargeNet;
