using System;
using System.Linq;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;

namespace NetGen.Generator.Tests;

/// <summary>The emitter alone: a pure function from a hand-built <see cref="NetworkSpec"/> to source, with no parser,
/// no Roslyn symbols and no pipeline in between.</summary>
public class EmitterTests
{
    private static readonly TypeSpec XorType = new("Samples", new EquatableArray<ContainingTypeSpec>(Array.Empty<ContainingTypeSpec>()), "class", "XorNet", "global::Samples.XorNet", NeedsConstructor: false);

    /// <summary>XOR 2-4-1 as the parser would resolve it: fan-ins, offsets (W1 at 0, b1 at 8, W2 at 12, b2 at 16).</summary>
    private static NetworkSpec Xor() => new(
        XorType,
        IsDouble: false,
        Unrolled: false,
        InputSize: 2,
        new EquatableArray<LayerSpec>(new[]
        {
            new LayerSpec(1, LayerKind.Dense, 2, 4, 1, ActivationKind.Tanh, 0, 0),
            new LayerSpec(2, LayerKind.Dense, 4, 1, 1, ActivationKind.Sigmoid, 0, 12),
        }),
        LossKind.BinaryCrossEntropy);

    [Fact]
    public void AHandBuiltXorSpec_EmitsTheThreeFilesOfTheXorSnapshots()
    {
        (string HintName, string Source)[] files = NetworkEmitter.Emit(Xor());

        Assert.Equal(new[] { "Samples.XorNet.g.cs", "Samples.XorNet.Kernels.g.cs", "Samples.XorNet.Batch.g.cs" }, files.Select(f => f.HintName));
        Snapshot.Verify("XorNet", files[0].Source);
        Snapshot.Verify("XorNet.Kernels", files[1].Source);
        Snapshot.Verify("XorNet.Batch", files[2].Source);
    }

    [Fact]
    public void TheEmitter_IsAPureFunction_OfTheSpec()
    {
        NetworkSpec spec = Xor();
        Assert.Equal(NetworkEmitter.Emit(spec), NetworkEmitter.Emit(Xor()));
        Assert.Equal(spec, Xor()); // the spec is a value: equal specs, equal output, which is what the cache relies on
    }

    [Fact]
    public void ChangingOneActivationInTheSpec_ChangesThatLayersBannerAndCallsOnly()
    {
        NetworkSpec relu = Xor() with
        {
            Layers = new EquatableArray<LayerSpec>(new[]
            {
                new LayerSpec(1, LayerKind.Dense, 2, 4, 1, ActivationKind.ReLU, 0, 0),
                new LayerSpec(2, LayerKind.Dense, 4, 1, 1, ActivationKind.Sigmoid, 0, 12),
            }),
        };

        string source = NetworkEmitter.Emit(relu)[0].Source;
        Assert.Contains("// Layer 1: Dense 2 -> 4, relu.  a1 = W1 h0 + b1;  h1 = relu(a1)", source, StringComparison.Ordinal);
        Assert.Contains("global::NetGen.Runtime.Activations.ReLUBackward<float>(a1, dh1, da1);", source, StringComparison.Ordinal);
        Assert.DoesNotContain("Tanh", source, StringComparison.Ordinal);
        Assert.Contains("// Layer 2: Dense 4 -> 1, sigmoid.  a2 = W2 h1 + b2;  h2 = sigmoid(a2)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ABakedSpec_EmitsTheTypeAndItsForwardKernelsOnly()
    {
        var baked = new BakedNetworkSpec(Xor() with { Type = XorType with { Keyword = "class", Name = "XorBaked", FullName = "global::Samples.XorBaked" } },
            "xor.json", new EquatableArray<string>(Enumerable.Range(0, 17).Select(i => $"{i}f").ToArray()));

        (string HintName, string Source)[] files = NetworkEmitter.EmitBaked(baked);

        Assert.Equal(new[] { "Samples.XorBaked.g.cs", "Samples.XorBaked.Kernels.g.cs" }, files.Select(f => f.HintName));
        Assert.Contains("public static void Forward(", files[0].Source, StringComparison.Ordinal);
        Assert.Contains("internal static void Affine2(", files[1].Source, StringComparison.Ordinal);
        Assert.DoesNotContain("AffineBackward", files[1].Source, StringComparison.Ordinal);
        Assert.Contains("16f", files[0].Source, StringComparison.Ordinal);
    }
}
