using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>Metrics of a network on a dataset: mean loss, accuracy, confusion matrix, RMSE and R².</summary>
    public static class Evaluation
    {
        /// <summary>The mean per-sample loss.</summary>
        public static double MeanLoss<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            double sum = 0;
            for (int i = 0; i < data.Count; i++)
            {
                sum += double.CreateChecked(network.ComputeLoss(data.Input(i), data.Target(i)));
            }

            return sum / data.Count;
        }

        /// <summary>The fraction of samples classified right: the index of the largest output against the index of the
        /// largest target; with one output, <c>y &gt;= 0.5</c> against <c>d &gt;= 0.5</c>.</summary>
        public static double Accuracy<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int[,] confusion = ConfusionMatrix(network, data);
            int right = 0;
            for (int c = 0; c < confusion.GetLength(0); c++)
            {
                right += confusion[c, c];
            }

            return (double)right / data.Count;
        }

        /// <summary>Counts of (actual class, predicted class); two classes for a single output.</summary>
        public static int[,] ConfusionMatrix<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            int classes = Math.Max(2, network.OutputSize);
            var matrix = new int[classes, classes];
            Span<T> y = new T[network.OutputSize];
            for (int i = 0; i < data.Count; i++)
            {
                network.Forward(data.Input(i), y);
                matrix[Class(data.Target(i)), Class(y)]++;
            }

            return matrix;
        }

        /// <summary>The class of an output or target vector: the index of its largest value, or <c>v &gt;= 0.5</c> for one value.</summary>
        public static int Class<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (values.Length == 1)
            {
                return values[0] >= T.CreateChecked(0.5) ? 1 : 0;
            }

            int best = 0;
            for (int k = 1; k < values.Length; k++)
            {
                if (values[k] > values[best])
                {
                    best = k;
                }
            }

            return best;
        }

        /// <summary>The root mean squared error over every output value.</summary>
        public static double RootMeanSquaredError<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (double sse, _) = Errors(network, data);
            return Math.Sqrt(sse / (data.Count * (double)data.TargetSize));
        }

        /// <summary>The coefficient of determination, <c>1 - SSE / SST</c>, over every output value.</summary>
        public static double RSquared<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (double sse, double sst) = Errors(network, data);
            return 1 - (sse / sst);
        }

        private static (double Sse, double Sst) Errors<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            var mean = new double[data.TargetSize];
            for (int i = 0; i < data.Count; i++)
            {
                ReadOnlySpan<T> d = data.Target(i);
                for (int k = 0; k < d.Length; k++)
                {
                    mean[k] += double.CreateChecked(d[k]) / data.Count;
                }
            }

            double sse = 0, sst = 0;
            Span<T> y = new T[network.OutputSize];
            for (int i = 0; i < data.Count; i++)
            {
                network.Forward(data.Input(i), y);
                ReadOnlySpan<T> d = data.Target(i);
                for (int k = 0; k < d.Length; k++)
                {
                    double target = double.CreateChecked(d[k]);
                    double error = double.CreateChecked(y[k]) - target;
                    sse += error * error;
                    sst += (target - mean[k]) * (target - mean[k]);
                }
            }

            return (sse, sst);
        }
    }
}
