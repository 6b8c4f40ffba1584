using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Generator.Tests;

/// <summary>A network description used to write attribute source and to run the naive reference. A layer
/// normalisation (<see cref="IsLayerNorm"/>) keeps its input's size, which <see cref="Units"/> must repeat.</summary>
public sealed record LayerDescription(bool IsMaxout, int Units, int Pieces, Activation Activation, double? Alpha, bool Bias = true, bool IsLayerNorm = false, double Epsilon = 1e-5, int NormalizedSize = 0)
{
    /// <summary>A <c>[LayerNorm]</c> over <paramref name="units"/> values, in groups of <paramref name="normalizedSize"/>
    /// (0: all of them).</summary>
    public static LayerDescription LayerNorm(int units, Activation activation = Activation.Identity, double? alpha = null, double epsilon = 1e-5, int normalizedSize = 0) =>
        new(false, units, 1, activation, alpha, true, IsLayerNorm: true, Epsilon: epsilon, NormalizedSize: normalizedSize);

    /// <summary>The length of gamma and of beta: the values a layer normalisation normalises together.</summary>
    public int NormalizedLength => NormalizedSize > 0 ? NormalizedSize : Units;

    public int AffineOutputs => Units * Pieces;

    public double EffectiveAlpha => Alpha ?? (Activation == Activation.ELU ? 1.0 : 0.01);

    public string ToAttribute()
    {
        if (IsMaxout)
        {
            return $"[Maxout({Units}, {Pieces})]";
        }

        string alpha = Alpha is { } a ? $", Alpha = {a.ToString("R", CultureInfo.InvariantCulture)}" : string.Empty;
        if (IsLayerNorm)
        {
            return $"[LayerNorm(Activation = Activation.{Activation}{alpha}{(Epsilon == 1e-5 ? string.Empty : $", Epsilon = {Epsilon.ToString("R", CultureInfo.InvariantCulture)}")}{(NormalizedSize > 0 ? $", NormalizedSize = {NormalizedSize}" : string.Empty)})]";
        }

        return $"[Dense({Units}, Activation.{Activation}{alpha}{(Bias ? string.Empty : ", Bias = false")})]";
    }

    public string Describe() => IsMaxout ? $"maxout{Units}x{Pieces}" : IsLayerNorm ? $"layernorm{Units}{(NormalizedSize > 0 ? $"/{NormalizedSize}" : string.Empty)}-{Activation}" : $"{Activation}{Units}{(Bias ? string.Empty : "-nobias")}";
}

public sealed record Topology(string Name, int InputSize, IReadOnlyList<LayerDescription> Layers, LossFunction Loss)
{
    public int OutputSize => Layers[^1].Units;

    public int ParameterCount
    {
        get
        {
            int fanIn = InputSize, count = 0;
            foreach (LayerDescription layer in Layers)
            {
                count += layer.IsLayerNorm ? 2 * layer.NormalizedLength : (fanIn + (layer.Bias ? 1 : 0)) * layer.AffineOutputs;
                count += layer.Activation == Activation.PReLU && !layer.IsMaxout ? layer.Units : 0; // one slope per unit
                fanIn = layer.Units;
            }

            return count;
        }
    }

    public string ToSource(bool isDouble, string suffix)
    {
        var text = new StringBuilder();
        if (isDouble)
        {
            text.AppendLine("[Network(Precision = Precision.Double)]");
        }

        text.AppendLine($"[Input({InputSize})]");
        foreach (LayerDescription layer in Layers)
        {
            text.AppendLine(layer.ToAttribute());
        }

        text.AppendLine($"[Loss(LossFunction.{Loss})]");
        text.AppendLine($"public partial class {Name}{suffix};");
        return text.ToString();
    }

    public override string ToString() =>
        $"{Name}: {InputSize} -> {string.Join(" -> ", Layers.Select(l => l.Describe()))}, {Loss}";
}
