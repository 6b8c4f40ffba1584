using System;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>Samples held contiguously: row i's input is <c>Inputs[i * InputSize ..]</c>, its target
    /// <c>Targets[i * TargetSize ..]</c>.</summary>
    /// <typeparam name="T">The precision.</typeparam>
    public sealed class Dataset<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Wraps the arrays (not copied).</summary>
        public Dataset(T[] inputs, int inputSize, T[] targets, int targetSize)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(targets);
            if (inputSize < 1 || targetSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(inputSize), $"Sizes must be at least 1, but they are {inputSize} and {targetSize}.");
            }

            if (inputs.Length % inputSize != 0 || targets.Length % targetSize != 0 || inputs.Length / inputSize != targets.Length / targetSize)
            {
                throw new ArgumentException($"{inputs.Length} input values in rows of {inputSize} and {targets.Length} target values in rows of {targetSize} are not the same number of whole rows.", nameof(targets));
            }

            Inputs = inputs;
            Targets = targets;
            InputSize = inputSize;
            TargetSize = targetSize;
        }

        /// <summary>All inputs, row after row.</summary>
        public T[] Inputs { get; }

        /// <summary>All targets, row after row.</summary>
        public T[] Targets { get; }

        /// <summary>The length of an input row.</summary>
        public int InputSize { get; }

        /// <summary>The length of a target row.</summary>
        public int TargetSize { get; }

        /// <summary>The number of samples.</summary>
        public int Count => Inputs.Length / InputSize;

        /// <summary>Row <paramref name="index"/>'s input.</summary>
        public ReadOnlySpan<T> Input(int index) => Inputs.AsSpan(index * InputSize, InputSize);

        /// <summary>Row <paramref name="index"/>'s target.</summary>
        public ReadOnlySpan<T> Target(int index) => Targets.AsSpan(index * TargetSize, TargetSize);

        /// <summary>A new dataset of the rows at <paramref name="indices"/>, copied in that order.</summary>
        public Dataset<T> Select(ReadOnlySpan<int> indices)
        {
            var inputs = new T[indices.Length * InputSize];
            var targets = new T[indices.Length * TargetSize];
            for (int i = 0; i < indices.Length; i++)
            {
                Input(indices[i]).CopyTo(inputs.AsSpan(i * InputSize));
                Target(indices[i]).CopyTo(targets.AsSpan(i * TargetSize));
            }

            return new Dataset<T>(inputs, InputSize, targets, TargetSize);
        }

        /// <summary>Rows <c>[start, start + count)</c>, copied.</summary>
        public Dataset<T> Slice(int start, int count)
        {
            int[] indices = new int[count];
            for (int i = 0; i < count; i++)
            {
                indices[i] = start + i;
            }

            return Select(indices);
        }

        /// <summary>A seeded shuffle of the rows split into parts of the given fractions (the last part takes the rest):
        /// <c>Split(seed, 0.8)</c> gives train and test, <c>Split(seed, 0.7, 0.15)</c> train, validation and test.</summary>
        public Dataset<T>[] Split(int seed, params double[] fractions)
        {
            ArgumentNullException.ThrowIfNull(fractions);
            double total = 0;
            foreach (double f in fractions)
            {
                if (!(f > 0))
                {
                    throw new ArgumentOutOfRangeException(nameof(fractions), "Every fraction must be above 0.");
                }

                total += f;
            }

            if (!(total < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(fractions), $"The fractions add up to {total}; they must leave a part for the last split.");
            }

            int[] order = Shuffle.Permutation(Count, seed);
            var parts = new Dataset<T>[fractions.Length + 1];
            int start = 0;
            for (int p = 0; p < fractions.Length; p++)
            {
                int count = (int)Math.Round(fractions[p] * Count);
                parts[p] = Select(order.AsSpan(start, count));
                start += count;
            }

            parts[^1] = Select(order.AsSpan(start));
            return parts;
        }
    }

    /// <summary>Seeded Fisher-Yates shuffles on the SplitMix64 stream: the same seed gives the same order everywhere.</summary>
    public static class Shuffle
    {
        /// <summary>A random permutation of 0..count-1.</summary>
        public static int[] Permutation(int count, int seed)
        {
            var order = new int[count];
            for (int i = 0; i < count; i++)
            {
                order[i] = i;
            }

            var random = new SplitMix64(seed);
            InPlace(order, ref random);
            return order;
        }

        /// <summary>Shuffles <paramref name="items"/> in place.</summary>
        public static void InPlace(Span<int> items, ref SplitMix64 random)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
