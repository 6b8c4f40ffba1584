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

        /// <summary>The fraction of samples classified right: the class of each output against the class of its target,
        /// both by <see cref="Classification.Class{T}(ReadOnlySpan{T}, Activation)"/> with the activation of the network's
        /// last layer (for one output: threshold 0 for tanh, 0.5 otherwise).</summary>
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

        /// <summary>Counts of (actual class, predicted class); two classes for a single output. Classes follow
        /// <see cref="Classification"/>'s rule with the activation of the network's last layer.</summary>
        public static int[,] ConfusionMatrix<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            int classes = Math.Max(2, network.OutputSize);
            var matrix = new int[classes, classes];
            Activation activation = Classification.OutputActivation(network);
            Span<T> y = new T[network.OutputSize];
            for (int i = 0; i < data.Count; i++)
            {
                network.Forward(data.Input(i), y);
                matrix[Classification.Class(data.Target(i), activation), Classification.Class<T>(y, activation)]++;
            }

            return matrix;
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
