using System;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>Feature standardisation <c>x' = (x - mean) / std</c>, fitted on the training set only and applied to every
    /// set; saved with the model (see <c>NetGen.Persistence.ParameterFile</c>). A constant feature gets std 1.</summary>
    public sealed class Standardizer
    {
        /// <summary>Creates a standardiser from known means and standard deviations.</summary>
        public Standardizer(double[] mean, double[] standardDeviation)
        {
            ArgumentNullException.ThrowIfNull(mean);
            ArgumentNullException.ThrowIfNull(standardDeviation);
            if (mean.Length != standardDeviation.Length)
            {
                throw new ArgumentException($"{mean.Length} means but {standardDeviation.Length} standard deviations.", nameof(standardDeviation));
            }

            Mean = mean;
            StandardDeviation = standardDeviation;
        }

        /// <summary>The per-feature means.</summary>
        public double[] Mean { get; }

        /// <summary>The per-feature standard deviations (population form).</summary>
        public double[] StandardDeviation { get; }

        /// <summary>Fits the means and standard deviations of <paramref name="training"/>'s inputs.</summary>
        public static Standardizer Fit<T>(Dataset<T> training) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(training);
            int n = training.InputSize;
            var mean = new double[n];
            var m2 = new double[n];
            for (int row = 0; row < training.Count; row++)
            {
                ReadOnlySpan<T> x = training.Input(row);
                for (int j = 0; j < n; j++)
                {
                    double value = double.CreateChecked(x[j]);
                    double delta = value - mean[j];
                    mean[j] += delta / (row + 1);
                    m2[j] += delta * (value - mean[j]);
                }
            }

            var std = new double[n];
            for (int j = 0; j < n; j++)
            {
                double s = Math.Sqrt(m2[j] / Math.Max(1, training.Count));
                std[j] = s > 1e-12 ? s : 1.0;
            }

            return new Standardizer(mean, std);
        }

        /// <summary>Standardises every input row of <paramref name="data"/> in place.</summary>
        public void Apply<T>(Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(data);
            if (data.InputSize != Mean.Length)
            {
                throw new ArgumentException($"The data has {data.InputSize} features, but the standardiser was fitted on {Mean.Length}.", nameof(data));
            }

            for (int row = 0; row < data.Count; row++)
            {
                Apply(data.Inputs.AsSpan(row * data.InputSize, data.InputSize));
            }
        }

        /// <summary>Standardises one input row in place.</summary>
        public void Apply<T>(Span<T> input) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = T.CreateChecked((double.CreateChecked(input[j]) - Mean[j]) / StandardDeviation[j]);
            }
        }
    }
}
