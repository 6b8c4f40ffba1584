using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>Metrics of a network on a dataset: mean loss, accuracy, confusion matrix, RMSE and R². Every one runs the
    /// batched forward pass (<see cref="INeuralNetwork{T}.ForwardBatch"/>) over the dataset in chunks of
    /// <see cref="ChunkSize"/> samples, through one output buffer per thread reused for every chunk and call. For a network
    /// whose outputs are logits (<see cref="LayerInfo.Logits"/>), the loss is computed from the logits and the classes
    /// read from them (a sigmoid logit is class 1 from 0 on); RMSE and R² compare the outputs as they are, the logits.</summary>
    public static class Evaluation
    {
        /// <summary>The samples per batched forward pass.</summary>
        public const int ChunkSize = 256;

        /// <summary>The mean per-sample loss. Mean squared error and cross-entropy are computed from the batched outputs;
        /// a cross-entropy sample whose target class has an output that underflowed (zero or subnormal, where the log of
        /// the output loses the stable logit form's accuracy), and every binary cross-entropy sample (whose
        /// <c>log(1 - y)</c> near y = 1 would), take <see cref="INeuralNetwork{T}.ComputeLoss"/> instead.</summary>
        public static double MeanLoss<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(network, data);
            return Measure(network, data, Metric.None, withLoss: true).Loss;
        }

        /// <summary>The fraction of samples classified right: the class of each output against the class of its target,
        /// both by <see cref="Classification.Class{T}(ReadOnlySpan{T}, Activation)"/> with the activation of the network's
        /// last layer (for one output: threshold 0 for tanh, 0.5 otherwise).</summary>
        public static double Accuracy<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(network, data);
            return Measure(network, data, Metric.Accuracy, withLoss: false).Metric;
        }

        /// <summary>Counts of (actual class, predicted class); two classes for a single output. Classes follow
        /// <see cref="Classification"/>'s rule with the activation of the network's last layer.</summary>
        public static int[,] ConfusionMatrix<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(network, data);
            int classes = Math.Max(2, network.OutputSize);
            var matrix = new int[classes, classes];
            Activation activation = Classification.OutputActivation(network);
            bool logits = Classification.OutputsLogits(network);
            Span<T> outputs = Outputs<T>.Get(ChunkSize * network.OutputSize);
            for (int start = 0; start < data.Count; start += ChunkSize)
            {
                int rows = Forward(network, data, start, outputs);
                for (int s = 0; s < rows; s++)
                {
                    ReadOnlySpan<T> y = outputs.Slice(s * network.OutputSize, network.OutputSize);
                    matrix[Classification.Class(data.Target(start + s), activation), Classification.Class(y, activation, logits)]++;
                }
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

        /// <summary>One batched pass for the trainer's epoch report: the mean loss (when asked) and the metric (NaN for
        /// <see cref="Metric.None"/>), each as its public method computes it.</summary>
        internal static (double Loss, double Metric) Measure<T>(INeuralNetwork<T> network, Dataset<T> data, Metric metric, bool withLoss)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!withLoss && metric == Metric.None)
            {
                return (double.NaN, double.NaN);
            }

            Activation activation = Classification.OutputActivation(network);
            bool logits = Classification.OutputsLogits(network);
            int outputSize = network.OutputSize;
            Span<T> outputs = Outputs<T>.Get(ChunkSize * outputSize);
            double loss = 0, squares = 0;
            int right = 0;
            for (int start = 0; start < data.Count; start += ChunkSize)
            {
                int rows = Forward(network, data, start, outputs);
                for (int s = 0; s < rows; s++)
                {
                    ReadOnlySpan<T> y = outputs.Slice(s * outputSize, outputSize), d = data.Target(start + s);
                    if (withLoss)
                    {
                        loss += double.CreateChecked(SampleLoss(network, y, data.Input(start + s), d, logits));
                    }

                    if (metric == Metric.Accuracy)
                    {
                        right += Classification.Class(d, activation) == Classification.Class(y, activation, logits) ? 1 : 0;
                    }
                    else if (metric == Metric.RootMeanSquaredError)
                    {
                        squares += SquaredError(y, d);
                    }
                }
            }

            double value = metric switch
            {
                Metric.Accuracy => (double)right / data.Count,
                Metric.RootMeanSquaredError => Math.Sqrt(squares / (data.Count * (double)data.TargetSize)),
                _ => double.NaN,
            };
            return (withLoss ? loss / data.Count : double.NaN, value);
        }

        /// <summary>One sample's loss from its output <paramref name="y"/>, or from <see cref="INeuralNetwork{T}.ComputeLoss"/>
        /// where the output form would lose accuracy (see <see cref="MeanLoss{T}"/>).</summary>
        private static T SampleLoss<T>(INeuralNetwork<T> network, ReadOnlySpan<T> y, ReadOnlySpan<T> x, ReadOnlySpan<T> d, bool logits)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (logits)
            {
                // y is the logits: the stable forms the generated ComputeLoss uses.
                return network.Loss == LossFunction.CrossEntropy
                    ? Runtime.Losses.CrossEntropyFromLogits(y, d)
                    : Runtime.Losses.BinaryCrossEntropyFromLogits(y, d);
            }

            switch (network.Loss)
            {
                case LossFunction.MeanSquaredError:
                    return Runtime.Losses.HalfSquaredError(y, d);
                case LossFunction.CrossEntropy:
                    T sum = T.Zero;
                    for (int k = 0; k < y.Length; k++)
                    {
                        if (d[k] != T.Zero)
                        {
                            if (!T.IsNormal(y[k]))
                            {
                                return network.ComputeLoss(x, d);
                            }

                            sum -= d[k] * T.Log(y[k]);
                        }
                    }

                    return sum;
                default:
                    return network.ComputeLoss(x, d);
            }
        }

        private static double SquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> d) where T : unmanaged, IFloatingPointIeee754<T>
        {
            double sum = 0;
            for (int k = 0; k < d.Length; k++)
            {
                double error = double.CreateChecked(y[k]) - double.CreateChecked(d[k]);
                sum += error * error;
            }

            return sum;
        }

        private static (double Sse, double Sst) Errors<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check(network, data);
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
            Span<T> outputs = Outputs<T>.Get(ChunkSize * network.OutputSize);
            for (int start = 0; start < data.Count; start += ChunkSize)
            {
                int rows = Forward(network, data, start, outputs);
                for (int s = 0; s < rows; s++)
                {
                    ReadOnlySpan<T> d = data.Target(start + s);
                    sse += SquaredError(outputs.Slice(s * network.OutputSize, network.OutputSize), d);
                    for (int k = 0; k < d.Length; k++)
                    {
                        double centred = double.CreateChecked(d[k]) - mean[k];
                        sst += centred * centred;
                    }
                }
            }

            return (sse, sst);
        }

        /// <summary>The batched forward pass of the chunk starting at sample <paramref name="start"/>, read straight from
        /// the dataset's contiguous inputs; returns its number of samples.</summary>
        private static int Forward<T>(INeuralNetwork<T> network, Dataset<T> data, int start, Span<T> outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int rows = Math.Min(ChunkSize, data.Count - start);
            network.ForwardBatch(data.Inputs.AsSpan(start * data.InputSize, rows * data.InputSize), outputs.Slice(0, rows * network.OutputSize));
            return rows;
        }

        private static void Check<T>(INeuralNetwork<T> network, Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            if (data.InputSize != network.InputSize || data.TargetSize != network.OutputSize)
            {
                throw new ArgumentException($"The data set has inputs of {data.InputSize} and targets of {data.TargetSize} values, but the network takes {network.InputSize} and gives {network.OutputSize}.", nameof(data));
            }
        }

        /// <summary>One output buffer per thread and precision, grown once and reused. Not <c>Scratch&lt;T&gt;</c>: the
        /// <c>ForwardBatch</c> that fills this buffer uses that one for its own activations.</summary>
        private static class Outputs<T> where T : unmanaged
        {
            [ThreadStatic]
            private static T[]? t_buffer;

            public static Span<T> Get(int length)
            {
                T[]? buffer = t_buffer;
                if (buffer is null || buffer.Length < length)
                {
                    t_buffer = buffer = new T[length];
                }

                return buffer.AsSpan(0, length);
            }
        }
    }
}
