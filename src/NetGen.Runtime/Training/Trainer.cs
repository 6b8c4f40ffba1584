using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>Mini-batch gradient descent for any generated network: seeded shuffles, a learning-rate schedule, a
    /// validation set, early stopping (restoring the best parameters on request), progress reports, cancellation and
    /// divergence detection.</summary>
    public static class Trainer
    {
        /// <summary>Trains <paramref name="network"/> on <paramref name="training"/> with <paramref name="optimizer"/>,
        /// at the optimizer's learning rate scaled by <see cref="TrainerOptions.Schedule"/>.</summary>
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

            options.Validate();
            return new TrainingRun<T>(network, optimizer, training, validation, options, progress, cancellationToken).Run();
        }

        /// <summary>One mini-batch: zero the gradients, accumulate each sample's, check they are finite, clip, update at
        /// <c>optimizer.LearningRate * rateFactor</c>. Allocates nothing.</summary>
        /// <param name="network">The network to update.</param>
        /// <param name="optimizer">The optimizer, which holds the learning rate.</param>
        /// <param name="data">The dataset the batch indexes.</param>
        /// <param name="batch">The indices of the batch's samples in <paramref name="data"/>.</param>
        /// <param name="clipNorm">When set, the mean gradient is scaled down to this L2 norm whenever it is larger.</param>
        /// <param name="rateFactor">The schedule's factor for this step; 1 by default.</param>
        /// <returns>The batch's mean loss, before the update.</returns>
        /// <exception cref="TrainingDivergedException">The loss or a gradient is NaN or infinite. Nothing was updated:
        /// the parameters are as they were, and <see cref="INeuralNetwork{T}.Gradients"/> holds the batch's sum.</exception>
        public static double Step<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> data, ReadOnlySpan<int> batch, double? clipNorm = null, double rateFactor = 1)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            StepWithNoise(network, optimizer, data, batch, clipNorm, rateFactor, noise: null);

        /// <summary>As the public step, with each input perturbed by <paramref name="noise"/> when it is given.</summary>
        internal static double StepWithNoise<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> data, ReadOnlySpan<int> batch, double? clipNorm, double rateFactor, GaussianNoise<T>? noise)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(data);
            if (batch.IsEmpty)
            {
                throw new ArgumentException("The batch must hold at least one sample.", nameof(batch));
            }

            string? problem = TryStep(network, optimizer, data, batch, clipNorm, rateFactor, noise, out double lossSum);
            return problem is null ? lossSum / batch.Length : throw new TrainingDivergedException(problem);
        }

        /// <summary>The step itself: returns null and the summed loss, or what went wrong (before any update).</summary>
        internal static string? TryStep<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> data, ReadOnlySpan<int> batch, double? clipNorm, double rateFactor, GaussianNoise<T>? noise, out double lossSum)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            network.ZeroGradients();
            T loss = T.Zero;
            foreach (int i in batch)
            {
                loss += network.Backward(noise is null ? data.Input(i) : noise.Perturb(data.Input(i)), data.Target(i));
            }

            lossSum = double.NaN;
            Span<T> gradients = network.Gradients;
            double norm = Norm(gradients) / batch.Length;
            if (!T.IsFinite(loss))
            {
                return $"the loss is {loss}";
            }

            if (!double.IsFinite(norm))
            {
                return "a gradient is not finite";
            }

            if (clipNorm is double c && norm > c)
            {
                TensorPrimitives.Multiply(gradients, T.CreateChecked(c / norm), gradients);
            }

            optimizer.Step(network.Parameters, gradients, batch.Length, rateFactor);
            lossSum = double.CreateChecked(loss);
            return null;
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

        internal static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>One call of <see cref="Trainer.Train{T}"/>: its state, and the steps of an epoch as named methods.</summary>
    internal sealed class TrainingRun<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INeuralNetwork<T> _network;
        private readonly IOptimizer<T> _optimizer;
        private readonly Dataset<T> _training;
        private readonly Dataset<T>? _validation;
        private readonly TrainerOptions _options;
        private readonly IProgress<EpochReport>? _progress;
        private readonly CancellationToken _cancellationToken;
        private readonly GaussianNoise<T>? _noise;
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly List<EpochReport> _reports = [];
        private readonly T[] _epochStart;
        private readonly T[]? _best;
        private readonly int[] _order;
        private SplitMix64 _random;
        private double _bestLoss = double.PositiveInfinity;
        private int _bestEpoch;
        private int _sinceBest;

        public TrainingRun(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> training, Dataset<T>? validation, TrainerOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
        {
            (_network, _optimizer, _training, _validation, _options, _progress, _cancellationToken) = (network, optimizer, training, validation, options, progress, cancellationToken);
            _noise = options.InputNoise > 0 ? new GaussianNoise<T>(options.InputNoise, options.Seed, network.InputSize) : null;
            _epochStart = network.Parameters.ToArray();
            _best = validation is not null && options.RestoreBestWeights ? network.Parameters.ToArray() : null;
            _order = new int[training.Count];
            for (int i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            _random = new SplitMix64(options.Seed);
        }

        /// <summary>Every epoch: train, report, track the best; stop early when patience runs out.</summary>
        public TrainingResult Run()
        {
            for (int epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                double rateFactor = _options.Schedule?.Factor(epoch - 1, _options.Epochs) ?? 1;
                double lossSum = TrainEpoch(epoch, rateFactor);
                EpochReport report = Report(epoch, lossSum, rateFactor);
                if (TrackBest(report))
                {
                    return Finish(stoppedEarly: true);
                }
            }

            return Finish(stoppedEarly: false);
        }

        /// <summary>One shuffled pass over the training set; returns the summed loss. Checks every batch, and the
        /// parameters the last update left, for divergence.</summary>
        private double TrainEpoch(int epoch, double rateFactor)
        {
            _network.Parameters.CopyTo(_epochStart);
            Shuffle.InPlace(_order, ref _random);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < _order.Length; start += _options.BatchSize)
            {
                if (_cancellationToken.IsCancellationRequested)
                {
                    _network.ZeroGradients();
                    _cancellationToken.ThrowIfCancellationRequested();
                }

                int size = Math.Min(_options.BatchSize, _order.Length - start);
                batches++;
                string? problem = Trainer.TryStep(_network, _optimizer, _training, _order.AsSpan(start, size), _options.ClipNorm, rateFactor, _noise, out double batchLoss);
                if (problem is not null)
                {
                    Diverged(epoch, batches, problem);
                }

                lossSum += batchLoss;
            }

            // The last update of an epoch is checked by no later batch: check the parameters it left.
            if (!Trainer.AllFinite<T>(_network.Parameters))
            {
                Diverged(epoch, batches, "the update left a parameter that is not finite");
            }

            return lossSum;
        }

        /// <summary>Puts back the parameters of the epoch's start, clears the gradients and the optimizer, and throws.</summary>
        [DoesNotReturn]
        private void Diverged(int epoch, int batch, string problem)
        {
            _epochStart.CopyTo(_network.Parameters);
            _network.ZeroGradients();
            _optimizer.Reset();
            throw new TrainingDivergedException(epoch, batch, problem);
        }

        /// <summary>Measures the epoch, records its report and passes it to the progress callback.</summary>
        private EpochReport Report(int epoch, double lossSum, double rateFactor)
        {
            double validationLoss = _validation is null ? double.NaN : Evaluation.MeanLoss(_network, _validation);
            double metric = _options.Metric == Metric.Accuracy
                ? Evaluation.Accuracy(_network, _validation ?? _training)
                : Evaluation.RootMeanSquaredError(_network, _validation ?? _training);
            var report = new EpochReport(epoch, lossSum / _training.Count, validationLoss, metric, _optimizer.LearningRate * rateFactor, _watch.Elapsed);
            _reports.Add(report);
            _progress?.Report(report);
            return report;
        }

        /// <summary>Keeps the best epoch (and its parameters, when they are to be restored); returns true when
        /// <see cref="TrainerOptions.Patience"/> epochs have passed without a lower validation loss.</summary>
        private bool TrackBest(EpochReport report)
        {
            if (_validation is null)
            {
                _bestEpoch = report.Epoch;
                return false;
            }

            if (report.ValidationLoss < _bestLoss)
            {
                _bestLoss = report.ValidationLoss;
                _bestEpoch = report.Epoch;
                _sinceBest = 0;
                if (_best is not null)
                {
                    _network.Parameters.CopyTo(_best);
                }

                return false;
            }

            return _options.Patience is int patience && ++_sinceBest >= patience;
        }

        /// <summary>Restores the best parameters when asked to, and reports the run.</summary>
        private TrainingResult Finish(bool stoppedEarly)
        {
            _best?.CopyTo(_network.Parameters);
            return new TrainingResult(_reports, _bestEpoch, stoppedEarly);
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
