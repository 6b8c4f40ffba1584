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

        /// <summary>One mini-batch: gather its samples into one contiguous block, zero the gradients, run the batched
        /// backward pass (<see cref="INeuralNetwork{T}.BackwardBatch(ReadOnlySpan{T}, ReadOnlySpan{T})"/>, or
        /// <see cref="DataParallel{T}"/>'s shards on one thread when the batch is larger than
        /// <see cref="DataParallel{T}.ShardSize"/>, exactly as <see cref="Trainer.Train{T}"/> sums it), check the
        /// gradients are finite, clip, update at <c>optimizer.LearningRate * rateFactor</c>. Allocates nothing once the
        /// calling thread's batch buffer has grown to the batch.</summary>
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

            CheckShapes(network, data, nameof(data));
            BatchBuffer<T> buffer = BatchBuffer<T>.ForThread(batch.Length, network.InputSize, network.OutputSize);
            buffer.Gather(data, batch, noise);
            DataParallel<T>? parallel = batch.Length > DataParallel<T>.ShardSize ? SingleThreaded<T>.For(network) : null;
            string? problem = TryStep(network, optimizer, buffer, parallel, clipNorm, rateFactor, out double lossSum);
            return problem is null ? lossSum / batch.Length : throw new TrainingDivergedException(problem);
        }

        /// <summary>The step itself on a gathered batch: returns null and the summed loss, or what went wrong (before any
        /// update). Without <paramref name="parallel"/> the batch must be one shard.</summary>
        internal static string? TryStep<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, BatchBuffer<T> batch, DataParallel<T>? parallel, double? clipNorm, double rateFactor, out double lossSum, bool checkGradients = true)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            network.ZeroGradients();
            T loss = parallel is null
                ? network.BackwardBatch(batch.InputSpan, batch.TargetSpan)
                : parallel.Backward(batch.InputMemory, batch.TargetMemory);
            return TryUpdate(network, optimizer, loss, batch.Count, clipNorm, rateFactor, out lossSum, checkGradients);
        }

        /// <summary>The rest of a step once the gradients hold the batch's sum and <paramref name="loss"/> its summed loss:
        /// returns null and the summed loss, or what went wrong (before any update). Without
        /// <paramref name="checkGradients"/> and clipping, only the loss is checked: <c>Train</c> passes that with its own
        /// optimizers, because a non-finite gradient they carry into the parameters shows in the next batch's loss, or in
        /// the check of the parameters at the end of the epoch or on cancellation, and it then restores the parameters of
        /// the epoch's start; so it saves a pass over the gradients per step. <c>Step</c>, which has no such snapshot,
        /// checks them.</summary>
        internal static string? TryUpdate<T>(INeuralNetwork<T> network, IOptimizer<T> optimizer, T loss, int count, double? clipNorm, double rateFactor, out double lossSum, bool checkGradients = true)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            lossSum = double.NaN;
            Span<T> gradients = network.Gradients;
            if (!T.IsFinite(loss))
            {
                return $"the loss is {loss}";
            }

            if (checkGradients || clipNorm is not null)
            {
                double norm = Norm(gradients) / count;
                if (!double.IsFinite(norm))
                {
                    return "a gradient is not finite";
                }

                if (clipNorm is double c && norm > c)
                {
                    TensorPrimitives.Multiply(gradients, T.CreateChecked(c / norm), gradients);
                }
            }

            optimizer.Step(network.Parameters, gradients, count, rateFactor);
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

        /// <summary>Whether no value is NaN or infinite. Vectorised: <c>v - v</c> is zero exactly when v is finite (NaN
        /// and infinities give NaN), so the sum of those differences stays zero unless some value is not finite.</summary>
        internal static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
            {
                ReadOnlySpan<Vector<T>> vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(values);
                Vector<T> sum = Vector<T>.Zero;
                foreach (Vector<T> v in vectors)
                {
                    sum += v - v;
                }

                if (sum != Vector<T>.Zero)
                {
                    return false;
                }

                i = vectors.Length * Vector<T>.Count;
            }

            for (; i < values.Length; i++)
            {
                if (!T.IsFinite(values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        internal static void CheckShapes<T>(INeuralNetwork<T> network, Dataset<T> data, string name)
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
        /// <summary>The parameters at the start of the epoch, for the divergence restore: rented from the shared pool, so a
        /// caller that trains an epoch per call does not allocate the parameter count's worth of memory each time.</summary>
        private readonly T[] _epochStartArray;
        private readonly bool _pooled;

        /// <summary>Whether each batch's gradient is checked before the update: only for an optimizer that is not one of
        /// NetGen's. Those carry a non-finite gradient into the parameters, where the next batch's loss or the end of the
        /// epoch finds it; another optimizer might absorb it (by clamping, say), so its input is checked.</summary>
        private readonly bool _checkGradients;
        private readonly T[]? _best;
        private readonly int[] _order;
        private readonly BatchBuffer<T> _batch;
        private readonly int _batchSize;

        /// <summary>One batch holds the whole training set and there is no noise (full-batch gradient descent): the batch
        /// is the set itself, in its stored order, neither shuffled nor gathered. A shuffle would change only the order in
        /// which the gradient is summed.</summary>
        private readonly bool _wholeSet;
        private readonly DataParallel<T> _parallel;
        private SplitMix64 _random;
        private double _bestLoss = double.PositiveInfinity;
        private int _bestEpoch;
        private int _sinceBest;

        public TrainingRun(INeuralNetwork<T> network, IOptimizer<T> optimizer, Dataset<T> training, Dataset<T>? validation, TrainerOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
        {
            (_network, _optimizer, _training, _validation, _options, _progress, _cancellationToken) = (network, optimizer, training, validation, options, progress, cancellationToken);
            _noise = options.InputNoise > 0 ? new GaussianNoise<T>(options.InputNoise, options.Seed, network.InputSize) : null;
            // Pooled up to a size where the pool's rounding to a power of two costs little; larger networks get their own.
            int count = network.Parameters.Length;
            _pooled = count <= PooledSnapshotLimit;
            _epochStartArray = _pooled ? System.Buffers.ArrayPool<T>.Shared.Rent(count) : new T[count];
            _checkGradients = optimizer is not (Sgd<T> or Adam<T> or AdamW<T>);
            _best = validation is not null && options.RestoreBestWeights ? network.Parameters.ToArray() : null;
            _order = new int[training.Count];
            for (int i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            _random = new SplitMix64(options.Seed);
            _batchSize = Math.Min(options.BatchSize, training.Count);
            _wholeSet = _batchSize == training.Count && _noise is null;
            _batch = new BatchBuffer<T>(_wholeSet ? 0 : _batchSize, network.InputSize, network.OutputSize);
            _parallel = new DataParallel<T>(network, options.Threads);
        }

        /// <summary>Every epoch: train, report, track the best; stop early when patience runs out. When batches span more
        /// than one shard and more than one thread is asked for, holds the worker crew for the run (its workers spin
        /// between steps) and releases it at the end, after which the workers block and use no CPU. Batches of one shard
        /// run on the calling thread alone, so the crew is not woken: a spinning worker would only take a share of the
        /// core it may share with the trainer.</summary>
        public TrainingResult Run()
        {
            try
            {
                if (_options.Threads == 1 || _batchSize <= DataParallel<T>.ShardSize)
                {
                    return RunEpochs();
                }

                ShardCrew.Hold();
                try
                {
                    return RunEpochs();
                }
                finally
                {
                    ShardCrew.Release();
                }
            }
            finally
            {
                if (_pooled)
                {
                    System.Buffers.ArrayPool<T>.Shared.Return(_epochStartArray);
                }
            }
        }

        /// <summary>The most parameters whose epoch-start snapshot is rented from the shared pool (4 MB of floats).</summary>
        private const int PooledSnapshotLimit = 1 << 20;

        private Span<T> EpochStart => _epochStartArray.AsSpan(0, _network.Parameters.Length);

        private TrainingResult RunEpochs()
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
            _network.Parameters.CopyTo(EpochStart);
            if (!_wholeSet)
            {
                Shuffle.InPlace(_order, ref _random);
            }

            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < _order.Length; start += _options.BatchSize)
            {
                if (_cancellationToken.IsCancellationRequested)
                {
                    // The last update's gradient was not checked (see TryUpdate): check what it left before stopping.
                    if (!Trainer.AllFinite<T>(_network.Parameters))
                    {
                        Diverged(epoch, batches, "the update left a parameter that is not finite");
                    }

                    _network.ZeroGradients();
                    _cancellationToken.ThrowIfCancellationRequested();
                }

                int size = Math.Min(_options.BatchSize, _order.Length - start);
                batches++;
                string? problem;
                double batchLoss;
                if (_wholeSet)
                {
                    _network.ZeroGradients();
                    T loss = _parallel.Backward(_training.Inputs, _training.Targets);
                    problem = Trainer.TryUpdate(_network, _optimizer, loss, size, _options.ClipNorm, rateFactor, out batchLoss, _checkGradients);
                }
                else if (_noise is null)
                {
                    // The shards gather their own rows, on the threads that run them.
                    _network.ZeroGradients();
                    T loss = _parallel.Backward(_batch, _training, _order.AsMemory(start, size));
                    problem = Trainer.TryUpdate(_network, _optimizer, loss, size, _options.ClipNorm, rateFactor, out batchLoss, _checkGradients);
                }
                else
                {
                    // Noise is drawn in sample order, so that the draws do not depend on the threads: gather first.
                    _batch.Gather(_training, _order.AsSpan(start, size), _noise);
                    problem = Trainer.TryStep(_network, _optimizer, _batch, _parallel, _options.ClipNorm, rateFactor, out batchLoss, _checkGradients);
                }
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
            EpochStart.CopyTo(_network.Parameters);
            _network.ZeroGradients();
            _optimizer.Reset();
            throw new TrainingDivergedException(epoch, batch, problem);
        }

        /// <summary>Measures the epoch, records its report and passes it to the progress callback.</summary>
        private EpochReport Report(int epoch, double lossSum, double rateFactor)
        {
            (double validationLoss, double metric) = _validation is not null
                ? Evaluation.Measure(_network, _validation, _options.Metric, withLoss: true)
                : (double.NaN, Evaluation.Measure(_network, _training, _options.Metric, withLoss: false).Metric);
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
            Add(input, _buffer);
            return _buffer;
        }

        /// <summary>Writes the input plus independent N(0, deviation^2) noise per value to <paramref name="destination"/>:
        /// the same values, from the same stream, as <see cref="Perturb"/>.</summary>
        public void Add(ReadOnlySpan<T> input, Span<T> destination)
        {
            for (int i = 0; i < input.Length; i++)
            {
                destination[i] = input[i] + T.CreateChecked(_deviation * NextStandardNormal());
            }
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

    /// <summary>A mini-batch gathered into one contiguous block, inputs and targets row-major, reused for every step:
    /// the shape <see cref="INeuralNetwork{T}.BackwardBatch(ReadOnlySpan{T}, ReadOnlySpan{T})"/> and
    /// <see cref="DataParallel{T}"/> take. Input noise is added during the copy.</summary>
    internal sealed class BatchBuffer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static BatchBuffer<T>? t_buffer;

        private readonly int _inputSize, _targetSize;
        private readonly T[] _inputs, _targets;

        public BatchBuffer(int capacity, int inputSize, int targetSize)
        {
            (_inputSize, _targetSize) = (inputSize, targetSize);
            _inputs = new T[capacity * inputSize];
            _targets = new T[capacity * targetSize];
        }

        /// <summary>The most samples the buffer holds.</summary>
        public int Capacity => _inputs.Length / _inputSize;

        /// <summary>The number of samples gathered by the last <see cref="Gather"/>.</summary>
        public int Count { get; private set; }

        public ReadOnlySpan<T> InputSpan => _inputs.AsSpan(0, Count * _inputSize);

        public ReadOnlySpan<T> TargetSpan => _targets.AsSpan(0, Count * _targetSize);

        public ReadOnlyMemory<T> InputMemory => _inputs.AsMemory(0, Count * _inputSize);

        public ReadOnlyMemory<T> TargetMemory => _targets.AsMemory(0, Count * _targetSize);

        /// <summary>The calling thread's buffer (for <see cref="Trainer.Step{T}"/>), grown to hold the batch.</summary>
        public static BatchBuffer<T> ForThread(int count, int inputSize, int targetSize)
        {
            BatchBuffer<T>? buffer = t_buffer;
            if (buffer is null || buffer._inputSize != inputSize || buffer._targetSize != targetSize || buffer._inputs.Length < count * inputSize)
            {
                t_buffer = buffer = new BatchBuffer<T>(count, inputSize, targetSize);
            }

            return buffer;
        }

        /// <summary>Copies the samples <paramref name="batch"/> indexes, in its order; with <paramref name="noise"/>, each
        /// input value gets its noise as it is copied (the same draws, in the same order, as one sample at a time).</summary>
        public void Gather(Dataset<T> data, ReadOnlySpan<int> batch, GaussianNoise<T>? noise)
        {
            if (noise is null)
            {
                GatherRows(data, batch, 0);
            }
            else
            {
                for (int s = 0; s < batch.Length; s++)
                {
                    noise.Add(data.Input(batch[s]), _inputs.AsSpan(s * _inputSize, _inputSize));
                    Copy(data.Target(batch[s]), _targets.AsSpan(s * _targetSize, _targetSize));
                }
            }

            Count = batch.Length;
        }

        /// <summary>Sets <see cref="Count"/> for a batch whose rows are gathered piecewise by <see cref="GatherRows"/>.</summary>
        public void Reserve(int count)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
            Count = count;
        }

        /// <summary>Copies the samples <paramref name="indices"/> lists into rows <paramref name="firstRow"/> onwards, without
        /// noise; disjoint row ranges may be gathered on different threads at once.</summary>
        public void GatherRows(Dataset<T> data, ReadOnlySpan<int> indices, int firstRow)
        {
            for (int s = 0; s < indices.Length; s++)
            {
                int row = firstRow + s;
                Copy(data.Input(indices[s]), _inputs.AsSpan(row * _inputSize, _inputSize));
                Copy(data.Target(indices[s]), _targets.AsSpan(row * _targetSize, _targetSize));
            }
        }

        /// <summary>A row copy. Rows of a few values (SimpleChains' 4 inputs, a class label's targets) are copied value by
        /// value: a call into memmove per row cost more than the copy itself, and a full batch of 10,000 is 20,000 rows.</summary>
        private static void Copy(ReadOnlySpan<T> source, Span<T> destination)
        {
            if (source.Length <= 16)
            {
                for (int i = 0; i < source.Length; i++)
                {
                    destination[i] = source[i];
                }
            }
            else
            {
                source.CopyTo(destination);
            }
        }
    }

    /// <summary>One single-threaded <see cref="DataParallel{T}"/> per network for <see cref="Trainer.Step{T}"/>'s large
    /// batches, so that a step sums shards exactly as <see cref="Trainer.Train{T}"/> does, and allocates nothing after
    /// the first.</summary>
    internal static class SingleThreaded<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<INeuralNetwork<T>, DataParallel<T>> Table = new();

        public static DataParallel<T> For(INeuralNetwork<T> network) =>
            Table.TryGetValue(network, out DataParallel<T>? parallel) ? parallel : Table.GetValue(network, n => new DataParallel<T>(n, 1));
    }
}
