using System;
using System.Linq;
using System.Numerics.Tensors;
using NetGen.Runtime;
using Xunit;

namespace NetGen.Tests;

/// <summary>The float span operations the per-sample passes use instead of TensorPrimitives (so that they are compiled
/// fully optimised on the first call; see SpanMath's remarks): the elementwise ones round as TensorPrimitives does, the
/// exponential is within an ulp of the exact value, the reductions are sums, and every length and alias works.</summary>
public class SpanMathTests
{
    private const int MaxLength = 41;

    /// <summary>Values of every kind: ordinary, tiny, huge, both zeros, both infinities and NaN.</summary>
    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        float[] specials = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, -3e38f, 1f];
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(8) == 0 ? specials[random.Next(specials.Length)] : (float)((random.NextDouble() * 20) - 10);
        }

        return values;
    }

    private static void AssertBitsEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]) || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"{what}, length {expected.Length}, index {i}: expected {expected[i]:R}, got {actual[i]:R}.");
        }
    }

    public static TheoryData<string> ElementwiseOperations() =>
        new() { "Subtract", "SubtractScalar", "Multiply", "MultiplyScalar", "MultiplyAdd", "Divide", "MaxScalar", "Max", "MinScalar" };

    [Theory]
    [MemberData(nameof(ElementwiseOperations))]
    public void ElementwiseOperations_RoundAsTensorPrimitives_AtEveryLength_AndInPlace(string operation)
    {
        for (int length = 0; length < MaxLength; length++)
        {
            float[] x = Values(length, length), y = Values(length, length + 1000);
            float c = length % 3 == 0 ? 0f : 1.7f - length;
            float[] expected = new float[length], actual = new float[length], inPlace = (float[])x.Clone();
            switch (operation)
            {
                case "Subtract": TensorPrimitives.Subtract(x, y, expected); SpanMath.Subtract(x, y, actual); SpanMath.Subtract(inPlace, y, inPlace); break;
                case "SubtractScalar": TensorPrimitives.Subtract(x, c, expected); SpanMath.Subtract(x, c, actual); SpanMath.Subtract(inPlace, c, inPlace); break;
                case "Multiply": TensorPrimitives.Multiply(x, y, expected); SpanMath.Multiply(x, y, actual); SpanMath.Multiply(inPlace, y, inPlace); break;
                case "MultiplyScalar": TensorPrimitives.Multiply(x, c, expected); SpanMath.Multiply(x, c, actual); SpanMath.Multiply(inPlace, c, inPlace); break;
                case "MultiplyAdd": TensorPrimitives.MultiplyAdd(x, c, y, expected); SpanMath.MultiplyAdd(x, c, y, actual); SpanMath.MultiplyAdd(inPlace, c, y, inPlace); break;
                case "Divide": TensorPrimitives.Divide(x, c, expected); SpanMath.Divide(x, c, actual); SpanMath.Divide(inPlace, c, inPlace); break;
                case "MaxScalar": TensorPrimitives.Max(x, c, expected); SpanMath.Max(x, c, actual); SpanMath.Max(inPlace, c, inPlace); break;
                case "Max": TensorPrimitives.Max(x, y, expected); SpanMath.Max(x, y, actual); SpanMath.Max(inPlace, y, inPlace); break;
                case "MinScalar": TensorPrimitives.Min(x, c, expected); SpanMath.Min(x, c, actual); SpanMath.Min(inPlace, c, inPlace); break;
                default: throw new ArgumentException(operation);
            }

            AssertBitsEqual(expected, actual, operation);
            AssertBitsEqual(expected, inPlace, operation + " in place");
        }
    }

    [Fact]
    public void ElementwiseOperations_RejectSpansOfDifferentLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => SpanMath.Subtract(new float[10], new float[9], new float[10]));
        Assert.Contains("10, 9 and 10", error.Message);
        Assert.Throws<ArgumentException>(() => SpanMath.Max(new float[10], 0f, new float[11]));
    }

    [Fact]
    public void Max_IsTensorPrimitivesMax_NaNIncluded_AndRejectsAnEmptySpan()
    {
        for (int length = 1; length < MaxLength; length++)
        {
            float[] x = Values(length, 7 * length);
            float expected = TensorPrimitives.Max(x), actual = SpanMath.Max(x);
            Assert.True(expected.Equals(actual), $"length {length}: expected {expected:R}, got {actual:R}");
        }

        Assert.True(float.IsNaN(SpanMath.Max([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, float.NaN])));
        Assert.Throws<ArgumentException>(() => SpanMath.Max(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void SumAndDot_AreTheSums_ExactlyWhereTheyAreExact_AndCloseOtherwise()
    {
        var random = new Random(3);
        for (int length = 0; length < 100; length++)
        {
            // Small integers: every partial sum is exact, so any order gives the exact total.
            float[] whole = Enumerable.Range(0, length).Select(_ => (float)random.Next(-50, 50)).ToArray();
            Assert.Equal(whole.Sum(v => (double)v), SpanMath.Sum(whole));
            Assert.Equal(whole.Sum(v => (double)v * v), SpanMath.Dot(whole, whole));

            float[] x = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
            float[] y = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
            double sum = x.Sum(v => (double)v), dot = x.Zip(y, (a, b) => (double)a * b).Sum();
            Assert.InRange(SpanMath.Sum(x), sum - (1e-6 * (length + 1)), sum + (1e-6 * (length + 1)));
            Assert.InRange(SpanMath.Dot(x, y), dot - (1e-6 * (length + 1)), dot + (1e-6 * (length + 1)));
        }
    }

    [Fact]
    public void Exp_IsWithinAnUlpOfTheExactValue_AndAlmostAlwaysTheNearestFloat()
    {
        const int Count = 200_000;
        var random = new Random(11);
        float[] x = Enumerable.Range(0, Count).Select(_ => (float)((random.NextDouble() * 193) - 104)).ToArray();
        var y = new float[Count];
        SpanMath.Exp(x, y);
        int nearest = 0;
        for (int i = 0; i < Count; i++)
        {
            float exact = (float)Math.Exp(x[i]);
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(exact) - BitConverter.SingleToInt32Bits(y[i]));
            Assert.True(ulps <= 1, $"e^{x[i]:R}: {y[i]:R}, the float nearest the exact value is {exact:R}.");
            nearest += ulps == 0 ? 1 : 0;
        }

        Assert.True(nearest >= Count * 0.999, $"Only {nearest} of {Count} results are the nearest float.");
    }

    [Fact]
    public void Exp_HandlesTheEdges_AndGivesEachValueTheSameResultAtEveryPosition()
    {
        float[] edges = [0f, -0f, 1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 88.72283f, 88.72284f, 100f, -87.33655f, -103.97f, -104f, -200f];
        var result = new float[edges.Length];
        SpanMath.Exp(edges, result);
        Assert.Equal(1f, result[0]);
        Assert.Equal(1f, result[1]);
        Assert.Equal((float)Math.E, result[2]);
        Assert.True(float.IsNaN(result[3]));
        Assert.Equal(float.PositiveInfinity, result[4]);
        Assert.Equal(0f, result[5]);
        Assert.True(float.IsFinite(result[6]), "e^88.72283 is below float.MaxValue.");
        Assert.Equal(float.PositiveInfinity, result[7]);
        Assert.Equal(float.PositiveInfinity, result[8]);
        Assert.Equal((float)Math.Exp(-87.33655f), result[9]);
        Assert.Equal(0f, result[11]);
        Assert.Equal(0f, result[12]);

        // A value's exponential does not depend on where it sits or how long the span is (the tail is a whole vector,
        // a short span one padded vector), so a single sample and a batch agree.
        const float Value = -1.2345678f;
        float single = Exp1(Value);
        for (int length = 1; length < MaxLength; length++)
        {
            for (int at = 0; at < length; at++)
            {
                float[] x = Values(length, length * 31 + at);
                x[at] = Value;
                SpanMath.Exp(x, x);
                Assert.Equal(single, x[at]);
            }
        }

        static float Exp1(float v)
        {
            float[] one = [v];
            SpanMath.Exp(one, one);
            return one[0];
        }
    }

    [Fact]
    public void Sigmoid_IsWithinTwoUlpsOfTheExactValue_AndSaturates()
    {
        var random = new Random(5);
        float[] x = Enumerable.Range(0, 50_000).Select(_ => (float)((random.NextDouble() * 60) - 30)).ToArray();
        var y = new float[x.Length];
        SpanMath.Sigmoid(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            float exact = (float)(1 / (1 + Math.Exp(-x[i])));
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(exact) - BitConverter.SingleToInt32Bits(y[i]));
            Assert.True(ulps <= 2, $"sigmoid({x[i]:R}): {y[i]:R}, exact {exact:R}.");
        }

        float[] edges = [float.NegativeInfinity, -200f, 0f, 200f, float.PositiveInfinity, float.NaN];
        SpanMath.Sigmoid(edges, edges);
        Assert.Equal([0f, 0f, 0.5f, 1f, 1f], edges[..5]);
        Assert.True(float.IsNaN(edges[5]));
    }

    [Fact]
    public void Softmax_InRegisters_RoundsAsTheGeneralPasses_AtEveryLength()
    {
        for (int length = 1; length < MaxLength; length++)
        {
            var random = new Random(length);
            float[] a = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 30) - 15)).ToArray();

            // The general form, pass by pass.
            var expected = new float[length];
            SpanMath.Subtract(a, SpanMath.Max(a), expected);
            SpanMath.Exp(expected, expected);
            SpanMath.Divide(expected, SpanMath.Sum(expected), expected);

            var actual = new float[length];
            Activations.Softmax<float>(a, actual);
            AssertBitsEqual(expected, actual, "softmax");
            float[] inPlace = (float[])a.Clone();
            Activations.Softmax<float>(inPlace, inPlace);
            AssertBitsEqual(expected, inPlace, "softmax in place");
            Assert.InRange(actual.Sum(v => (double)v), 1 - 1e-5, 1 + 1e-5);
        }
    }
}
