using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Tests;

/// <summary>The names the generator reserves (NG0020) are exactly those it declares in a user's type: one list,
/// <see cref="MemberNames"/>, which the emitter writes and the parser checks.</summary>
public class ReservedNameTests
{
    [Theory]
    [InlineData("[Input(3)] [Dense(4, Activation.Tanh)] [Dense(2, Activation.Softmax)] [Loss(LossFunction.CrossEntropy)] public partial class Net;", false)]
    [InlineData("[Input(3)] [Maxout(4, 2)] [Dense(1, Activation.Sigmoid)] [Loss(LossFunction.BinaryCrossEntropy)] public partial struct Net;", false)]
    [InlineData("[Network(Precision = Precision.Double, Kernels = KernelStyle.UnrolledScalar)] [Input(3)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)] public partial class Net;", false)]
    [InlineData("[Input(2)] [Dense(3, Activation.Tanh)] [Dense(1, Activation.Sigmoid)] [Weights(\"w.json\")] public static partial class Net;", true)]
    public void EveryGeneratedMember_IsInTheReservedList(string declaration, bool baked)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            new[] { "using NetGen;\n" + declaration },
            new AdditionalText[] { new GeneratorHarness.InMemoryText("/w.json", WeightsFile) });
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);

        INamedTypeSymbol type = result.Output.GetTypeByMetadataName("Net")!;
        string[] generated = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.Locations.All(l => l.SourceTree?.FilePath.Contains("NetGen.Generator", StringComparison.Ordinal) == true))
            .Where(m => m is not IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.Constructor })
            .Where(m => m.Name.IndexOf('.') < 0) // explicit interface implementations cannot clash
            .Select(m => m.Name)
            .Distinct()
            .ToArray();
        var reserved = baked ? MemberNames.Baked : MemberNames.Trainable;
        Assert.True(generated.Length >= reserved.Count - 2, $"only {generated.Length} generated members found: {string.Join(", ", generated)}");
        Assert.All(generated, name => Assert.Contains(name, reserved));
    }

    [Theory]
    [InlineData("SgdStep")]
    [InlineData("ClassifyBatch")]
    [InlineData("BatchTile")]
    public void AUserMemberWithAGeneratedName_IsNG0020_NotACompilerError(string name)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            $"using NetGen;\n[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net {{ private void {name}() {{ }} }}");
        Diagnostic error = Assert.Single(result.NetGenDiagnostics);
        Assert.Equal("NG0020", error.Id);
        Assert.Contains(name, error.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Id == "CS0102");
    }

    [Fact]
    public void KernelNames_AreFreeForTheUser_SinceKernelsLiveInTheirOwnClass()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "using NetGen;\n[Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class Net { private void Affine1() { } private void AffineSgd1() { } }");
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
    }

    [Fact]
    public void TwoNetworksWhoseNamesDifferOnlyInDotsAndUnderscores_GetTheirOwnKernelClasses()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using NetGen;
            namespace A_B { [Input(2)] [Dense(1)] [Loss(LossFunction.MeanSquaredError)] public partial class C; }
            namespace A { [Input(3)] [Dense(2)] [Loss(LossFunction.MeanSquaredError)] public partial class B_C; }
            """);
        Assert.Empty(result.NetGenDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.NotNull(result.Output.GetTypeByMetadataName("NetGen.Generated.A__B_C"));
        Assert.NotNull(result.Output.GetTypeByMetadataName("NetGen.Generated.A_B__C"));
    }

    private const string WeightsFile = """
        { "format": "netgen-weights", "version": 1, "input": 2,
          "layers": [
            { "type": "dense", "in": 2, "out": 3, "activation": "Tanh", "weight": [[1, 2], [3, 4], [5, 6]], "bias": [0, 0, 0] },
            { "type": "dense", "in": 3, "out": 1, "activation": "Sigmoid", "weight": [[1, 2, 3]], "bias": [0] } ] }
        """;
}
