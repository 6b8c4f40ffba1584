using System;
using System.Linq;

namespace NetGen.Generator.Tests;

/// <summary>Shapes for SgdStep against ZeroGradients + Backward + Sgd.Step that the random catalog may miss: the
/// unrolled scalar kernels, a layer whose overlapping last vector sits alone after a loop over whole groups (259
/// outputs), fan-ins of 7 and 9 (odd, below and above full unrolling), and a one-unit hidden layer; each in double (D)
/// and float (F). <see cref="RandomNetworksFixture"/> compiles them with the catalog, and
/// EndToEndNumericTests.SgdStep_EqualsBackwardPlusSgd_OnPinnedShapes checks them (rerun on the AVX2, SSE and scalar
/// paths by scripts/test.sh).</summary>
internal static class SgdStepShapes
{
    public static readonly (string Name, string Attributes, int Inputs, int Outputs, LossFunction Loss)[] Networks =
    [
        ("UnrolledTanh", "[Network(Kernels = KernelStyle.UnrolledScalar{0})] [Input(3)] [Dense(5, Activation.Tanh)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)]", 3, 2, LossFunction.MeanSquaredError),
        ("UnrolledSoftmax", "[Network(Kernels = KernelStyle.UnrolledScalar{0})] [Input(4)] [Dense(6, Activation.ReLU)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", 4, 3, LossFunction.CrossEntropy),
        ("UnrolledMaxout", "[Network(Kernels = KernelStyle.UnrolledScalar{0})] [Input(2)] [Maxout(3, 2)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]", 2, 1, LossFunction.BinaryCrossEntropy),
        ("WideOverlap", "[Network({1})] [Input(7)] [Dense(259, Activation.ReLU)] [Dense(3, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)]", 7, 3, LossFunction.CrossEntropy),
        ("FanInNine", "[Network({1})] [Input(9)] [Dense(67, Activation.LeakyReLU)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)]", 9, 1, LossFunction.BinaryCrossEntropy),
        ("OneUnitHidden", "[Network({1})] [Input(9)] [Dense(1, Activation.Tanh)] [Dense(20, Activation.ELU)] [Dense(4)] [Loss(LossFunction.MeanSquaredError)]", 9, 4, LossFunction.MeanSquaredError),
    ];

    public static string Source => string.Join("\n", Networks.SelectMany(n => new[]
    {
        string.Format(System.Globalization.CultureInfo.InvariantCulture, n.Attributes, ", Precision = Precision.Double", "Precision = Precision.Double") + $" public partial class {n.Name}D;",
        string.Format(System.Globalization.CultureInfo.InvariantCulture, n.Attributes, string.Empty, "Precision = Precision.Single") + $" public partial class {n.Name}F;",
    }));

    public static TheoryData<int> Indices() => new(Enumerable.Range(0, Networks.Length));

    public static double[] Target(LossFunction loss, int n, Random random)
    {
        int label = random.Next(n);
        return loss switch
        {
            LossFunction.CrossEntropy => Enumerable.Range(0, n).Select(i => i == label ? 1.0 : 0.0).ToArray(),
            LossFunction.BinaryCrossEntropy => Enumerable.Range(0, n).Select(_ => (double)random.Next(2)).ToArray(),
            _ => Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2) - 1).ToArray(),
        };
    }
}
