using System;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;
using NetGen.Data;
using NetGen.Runtime;

namespace NetGen.Training
{
    /// <summary>How <see cref="Trainer"/> trains.</summary>
    public sealed class TrainerOptions
    {
        /// <summary>Passes over the training set; 10 by default.</summary>
        public int Epochs { get; init; } = 10;

        /// <summary>Samples per mini-batch; 32 by default. The last batch of an epoch may be smaller.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Seeds the per-epoch shuffles: the same seed gives bit-identical training.</summary>
        public int Seed { get; init; }

        /// <summary>The learning rate per epoch; a constant 0.01 by default.</summary>
        public LearningRateSchedule LearningRate { get; init; } = LearningRateSchedule.Constant(0.01);

        /// <summary>When set, the mean gradient is scaled down to this global L2 norm whenever it is larger.</summary>
        public double? ClipNorm { get; init; }

        /// <summary>With a validation set: stop after this many epochs without a lower validation loss, and restore the
        /// parameters of the best epoch. Null trains every epoch (and still restores the best one).</summary>
        public int? Patience { get; init; }

        /// <summary>What to report besides the loss; <see cref="Metric.Accuracy"/> by default.</summary>
        public Metric Metric { get; init; } = Metric.Accuracy;

        /// <summary>The standard deviation of Gaussian noise added to each training input every time it is used (Keras's
        /// <c>GaussianNoise</c> layer; training with input noise acts as a Tikhonov regulariser, Bishop 1995). 0, the
        /// default, turns it off. The noise is drawn from its own stream seeded by <see cref="Seed"/>, so runs stay
        /// bit-reproducible and the shuffles do not change; validation inputs are never perturbed. Best used on
        /// standardised inputs, where it is a fraction of each feature's spread.</summary>
        public double InputNoise { get; init; }
    }

    /// <summary>The per-epoch measure that <see cref="Trainer"/> reports beside the loss.</summary>
    public enum Metric
    {
        /// <summary>The fraction of samples whose largest output is the largest target (threshold 0.5 for one output).</summary>
        Accuracy,

        /// <summary>The root mean squared error of the outputs.</summary>
        RootMeanSquaredError,
    }

    /// <summary>One epoch's figures, as reported to <see cref="IProgress{T}"/>.</summary>
    /// <param name="Epoch">The epoch, counting from 1.</param>
    /// <param name="TrainingLoss">The mean loss over the epoch's mini-batches.</param>
    /// <param name="ValidationLoss">The mean loss on the validation set, or NaN without one.</param>
    /// <param name="Metric">The <see cref="TrainerOptions.Metric"/> on the validation set (or the training set without one).</param>
    /// <param name="LearningRate">The epoch's learning rate.</param>
    /// <param name="Elapsed">The time since training started.</param>
    public sealed record EpochReport(int Epoch, double TrainingLoss, double ValidationLoss, double Metric, double LearningRate, TimeSpan Elapsed);

    /// <summary>What a training run did.</summary>
    /// <param name="Epochs">Every completed epoch's report.</param>
    /// <param name="BestEpoch">The epoch whose parameters the network holds (the lowest validation loss, or the last).</param>
    /// <param name="StoppedEarly">Whether early stopping ended the run.</param>
    public sealed record TrainingResult(System.Collections.Generic.IReadOnlyList<EpochReport> Epochs, int BestEpoch, bool StoppedEarly);

    /// <summary>Training diverged: a loss or gradient was NaN or infinite. The network's parameters were restored to the
    /// state at the start of <see cref="Epoch"/>.</summary>
    public sealed class TrainingDivergedException : ArithmeticException
    {
        /// <summary>Creates the exception.</summary>
        public TrainingDivergedException(int epoch, int batch, string what)
            : base($"Training diverged in epoch {epoch}, batch {batch}: {what}. The parameters were restored to their values at the start of epoch {epoch}. Lower the learning rate, or set TrainerOptions.ClipNorm.")
        {
            Epoch = epoch;
            Batch = batch;
        }

        /// <summary>The epoch, counting from 1.</summary>
        public int Epoch { get; }

        /// <summary>The mini-batch within the epoch, counting from 1.</summary>
        public int Batch { get; }
    }

    /// <summary>Mini-batch gradient descent for any generated network: seeded shuffles, a validation set, early stopping
    /// that restores the best parameters, progress reports, cancellation and divergence detection.</summary>
    public static class Trainer
    {
        /// <summary>Trains <paramref name="network"/> on <paramref name="training"/>.</summary>
        /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite; parameters restored.</exception>
        /// <exception cref="OperationCanceledException">Cancelled; the network holds the parameters of the last completed step and zero gradients.</exception>
        public static TrainingResult Train<T>(
            INeuralNetwork<T> network,
            IOptimizer<T> optimizer,
            Dataset<T> training,
            TrainerOptions? options = null,
            Dataset<T>? validation = null,
            IProgress<EpochReport>? progress = null,
            CancellationToken cancellationToken = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(training);
            options ??= new TrainerOptions();
            CheckShapes(network, training, nameof(training));
            if (validation is not null)
            {
                CheckShapes(network, validation, nameof(validation));
            }

            if (options.Epochs < 1 || options.BatchSize < 1 || options.Patience is < 1 || options.ClipNorm is not null and not > 0
                || !(options.InputNoise >= 0 && double.IsFinite(options.InputNoise)))
            {
                throw new ArgumentOutOfRangeException(nameof(options), "Epochs, BatchSize and Patience must be at least 1, ClipNorm above 0, and InputNoise finite and not negative.");
            }

            GaussianNoise<T>? noise = options.InputNoise > 0 ? new GaussianNoise<T>(options.InputNoise, options.Seed, network.InputSize) : null;

            var watch = Stopwatch.StartNew();
            var reports = new System.Collections.Generic.List<EpochReport>();
            T[] epochStart = network.Parameters.ToArray();
            T[]? best = validation is null ? null : network.Parameters.ToArray();
            double bestLoss = double.PositiveInfinity;
            int bestEpoch = 0, sinceBest = 0;
            int[] order = new int[training.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            var random = new SplitMix64(options.Seed);
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                network.Parameters.CopyTo(epochStart);
                double rate = options.LearningRate.At(epoch - 1, options.Epochs);
                Shuffle.InPlace(order, ref random);
                double lossSum = 0;
                int batches = 0;
                for (int start = 0; start < order.Length; start += options.BatchSize)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        network.ZeroGradients();
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    int size = Math.Min(options.BatchSize, order.Length - start);
                    batches++;
                    double batchLoss = Step(network, optimizer, training, order.AsSpan(start, size), rate, options.ClipNorm, noise, out string? problem);
                    if (problem is not null)
                    {
                        epochStart.CopyTo(network.Parameters);
                        network.ZeroGradients();
                        optimizer.Reset();
                        throw new TrainingDivergedException(epoch, batches, problem);
                    }

                    lossSum += batchLoss;
                }

                // The last update of an epoch is checked by no later batch: check the parameters it left.
                if (!AllFinite(network.Parameters))
                {
                    epochStart.CopyTo(network.Parameters);
                    network.ZeroGradients();
                    optimizer.Reset();
                    throw new TrainingDivergedException(epoch, batches, "the update left a parameter that is not finite");
                }

                double validationLoss = validation is null ? double.NaN : Evaluation.MeanLoss(network, validation);
                double metric = options.Metric == Metric.Accuracy
                    ? Evaluation.Accuracy(network, validation ?? training)
                    : Evaluation.RootMeanSquaredError(network, validation ?? training);
                var report = new EpochReport(epoch, lossSum / training.Count, validationLoss, metric, rate, watch.Elapsed);
                reports.Add(report);
                progress?.Report(report);

                if (validation is null)
                {
                    bestEpoch = epoch;
                    continue;
                }

                if (validationLoss < bestLoss)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    network.Parameters.CopyTo(best);
                }
                else if (options.Patience is int patience && ++sinceBest >= patience)
                {
                    best.CopyTo(network.Parameters);
                    return new TrainingResult(reports, bestEpoch, StoppedEarly: true);
                }
            }

            best?.CopyTo(network.Parameters);
            return new TrainingResult(reports, bestEpoch, StoppedEarly: false);
        }

        /// <summary>One mini-batch: zero the gradients, accumulate each sample's, check they are finite, clip, update.
        /// Allocates nothing. Returns the summed loss, or sets <paramref name="problem"/> without updating.</summary>
        public static double Step<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> data, ReadOnlySpan<int> batch, double learningRate, double? clipNorm, out string? problem)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Step(network, optimizer, data, batch, learningRate, clipNorm, noise: null, out problem);

        /// <summary>As the public step, with each input perturbed by <paramref name="noise"/> when it is given.</summary>
        internal static double Step<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> data, ReadOnlySpan<int> batch, double learningRate, double? clipNorm, GaussianNoise<T>? noise, out string? problem)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            network.ZeroGradients();
            T loss = T.Zero;
            foreach (int i in batch)
            {
                loss += network.Backward(noise is null ? data.Input(i) : noise.Perturb(data.Input(i)), data.Target(i));
            }

            Span<T> gradients = network.Gradients;
            double norm = Norm(gradients) / batch.Length;
            if (!T.IsFinite(loss))
            {
                problem = $"the loss is {loss}";
                return double.NaN;
            }

            if (!double.IsFinite(norm))
            {
                problem = "a gradient is not finite";
                return double.NaN;
            }

            if (clipNorm is double c && norm > c)
            {
                TensorPrimitives.Multiply(gradients, T.CreateChecked(c / norm), gradients);
            }

            optimizer.Step(network.Parameters, gradients, batch.Length, learningRate);
            problem = null;
            return double.CreateChecked(loss);
        }

        /// <summary>The L2 norm, vectorised; recomputed in double when the sum of squares overflows T (float overflows
        /// past a norm of about 1.8e19, which clipping must still be able to bring down).</summary>
        private static double Norm<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T norm = TensorPrimitives.Norm(values);
            if (T.IsFinite(norm))
            {
                return double.CreateChecked(norm);
            }

            double sum = 0;
            foreach (T value in values)
            {
                double v = double.CreateChecked(value);
                sum += v * v;
            }

            return Math.Sqrt(sum);
        }

        private static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach (T value in values)
            {
                if (!T.IsFinite(value))
                {
                    return false;
                }
            }

            return true;
        }

        private static void CheckShapes<T>(INeuralNetwork<T> network, Dataset<T> data, string name)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (data.InputSize != network.InputSize || data.TargetSize != network.OutputSize)
            {
                throw new ArgumentException($"The {name} set has inputs of {data.InputSize} and targets of {data.TargetSize} values, but the network takes {network.InputSize} and gives {network.OutputSize}.", name);
            }
        }
    }

    /// <summary>Gaussian input noise for <see cref="TrainerOptions.InputNoise"/>: Box-Muller over a SplitMix64 stream of its
    /// own, into one buffer reused for every sample (no allocation per step).</summary>
    internal sealed class GaussianNoise<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly double _deviation;
        private readonly T[] _buffer;
        private SplitMix64 _random;
        private double _spare = double.NaN;

        public GaussianNoise(double deviation, int seed, int size)
        {
            _deviation = deviation;
            _buffer = new T[size];
            _random = new SplitMix64(seed ^ 0x4E6F697365L); // "Noise": a stream apart from the shuffles'
        }

        /// <summary>The input plus independent N(0, deviation^2) noise per value; valid until the next call.</summary>
        public ReadOnlySpan<T> Perturb(ReadOnlySpan<T> input)
        {
            for (int i = 0; i < input.Length; i++)
            {
                _buffer[i] = input[i] + T.CreateChecked(_deviation * NextStandardNormal());
            }

            return _buffer;
        }

        /// <summary>A standard normal value; Box-Muller gives two per pair of uniforms, the second is kept for the next call.</summary>
        public double NextStandardNormal()
        {
            if (!double.IsNaN(_spare))
            {
                double spare = _spare;
                _spare = double.NaN;
                return spare;
            }

            double u = 1.0 - _random.NextDouble(); // (0, 1]: the logarithm stays finite
            double angle = 2 * Math.PI * _random.NextDouble();
            double radius = Math.Sqrt(-2 * Math.Log(u));
            _spare = radius * Math.Sin(angle);
            return radius * Math.Cos(angle);
        }
    }
}
