using System;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>Data-parallel backpropagation over a large batch, deterministic whatever the thread count.</summary>
    /// <remarks>
    /// The batch is cut into shards of <see cref="ShardSize"/> samples, fixed by the batch alone. Shards run in waves;
    /// each shard's gradient sum goes to its own buffer, and after each wave the buffers are added to the network's
    /// gradients in shard order. Every sum is therefore formed in the same order on 1, 2 or 64 threads, and the same
    /// seed gives bit-identical training. A wave holds as many shards as fit <see cref="WaveBytes"/> of buffers (at
    /// least one per thread): a small network's whole batch runs in one wave, with one hand-off to the threads instead
    /// of one per shard, while a large network's buffers stay bounded. The shards run on a process-wide crew of worker
    /// threads (<c>ShardCrew</c>); during a <see cref="Trainer.Train{T}"/> run they spin briefly between calls, so
    /// back-to-back training steps do not wait for wake-ups, and outside one they block as soon as a call is done, using
    /// no CPU. The buffers and the wave's work item are kept between calls, so memory does not grow with the batch and a
    /// call allocates nothing.
    /// </remarks>
    /// <typeparam name="T">float or double.</typeparam>
    public sealed class DataParallel<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The gradient buffers a wave may hold, in bytes: 4 MiB, or one buffer per thread if that is more.</summary>
        public const int WaveBytes = 4 << 20;

        /// <summary>Samples per shard: large enough to amortise the reduction, small enough to balance two or more cores.</summary>
        public const int ShardSize = 512;

        private readonly INeuralNetwork<T> _network;
        private readonly int _threads;
        private T[][] _shardGradients = Array.Empty<T[]>();
        private T[] _shardLosses = Array.Empty<T>();
        private readonly Wave _wave;

        /// <summary>Trains <paramref name="network"/> on up to <paramref name="threads"/> threads.</summary>
        /// <param name="network">The network; its parameters are only read while the shards run.</param>
        /// <param name="threads">The most threads to use; 0 for one per processor.</param>
        public DataParallel(INeuralNetwork<T> network, int threads = 0)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentOutOfRangeException.ThrowIfNegative(threads);
            _network = network;
            _threads = threads == 0 ? Environment.ProcessorCount : threads;
            _wave = new Wave(this);
        }

        /// <summary>The number of threads used at most.</summary>
        public int Threads => _threads;

        /// <summary>Adds the gradient sum of a row-major batch to the network's <see cref="INeuralNetwork{T}.Gradients"/>
        /// and returns the sum of the losses: <see cref="INeuralNetwork{T}.BackwardBatch(ReadOnlySpan{T}, ReadOnlySpan{T})"/>
        /// spread over the threads, with a result that does not depend on their number.</summary>
        /// <param name="inputs">The inputs, <c>InputSize</c> values per sample.</param>
        /// <param name="targets">The targets, <c>OutputSize</c> values per sample.</param>
        /// <returns>The sum of the samples' losses.</returns>
        /// <exception cref="ArgumentException">The lengths do not describe the same whole number of samples.</exception>
        public T Backward(ReadOnlyMemory<T> inputs, ReadOnlyMemory<T> targets)
        {
            int count = Runtime.Guard.BatchCount(inputs.Length, _network.InputSize, nameof(inputs));
            Runtime.Guard.BatchLength(targets.Length, count, _network.OutputSize, nameof(targets));
            int shards = (count + ShardSize - 1) / ShardSize;
            if (shards <= 1)
            {
                return _network.BackwardBatch(inputs.Span, targets.Span);
            }

            long bufferBytes = (long)_network.ParameterCount * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            int wave = (int)Math.Min(shards, Math.Max(_threads, WaveBytes / Math.Max(1, bufferBytes)));
            EnsureBuffers(wave);
            T loss = T.Zero;
            for (int first = 0; first < shards; first += wave)
            {
                int size = Math.Min(wave, shards - first);
                _wave.Set(inputs, targets, first, count);
                if (size == 1 || _threads == 1)
                {
                    for (int slot = 0; slot < size; slot++)
                    {
                        _wave.Run(slot);
                    }
                }
                else
                {
                    ShardCrew.Run(size, _threads, _wave);
                }

                // The reduction, in shard order.
                Span<T> gradients = _network.Gradients;
                for (int slot = 0; slot < size; slot++)
                {
                    TensorPrimitives.Add(gradients, _shardGradients[slot], gradients);
                    loss += _shardLosses[slot];
                }
            }

            _wave.Set(default, default, 0, 0); // keep no reference to the caller's arrays
            return loss;
        }

        /// <summary>As <see cref="Backward(ReadOnlyMemory{T}, ReadOnlyMemory{T})"/> on the samples of
        /// <paramref name="data"/> that <paramref name="indices"/> lists, in that order, gathered into
        /// <paramref name="batch"/> first. When the batch spans more than one shard, each shard gathers its own rows on the
        /// thread that runs it, so that the copy (a tenth of the work for a small network) is spread too; the rows, and so
        /// every sum, are the same as a serial gather's.</summary>
        internal T Backward(BatchBuffer<T> batch, Dataset<T> data, ReadOnlyMemory<int> indices)
        {
            if (indices.Length <= ShardSize)
            {
                batch.Gather(data, indices.Span, noise: null);
                return _network.BackwardBatch(batch.InputSpan, batch.TargetSpan);
            }

            batch.Reserve(indices.Length);
            _wave.GatherFrom(batch, data, indices);
            try
            {
                return Backward(batch.InputMemory, batch.TargetMemory);
            }
            finally
            {
                _wave.GatherFrom(null, null, default);
            }
        }

        private void EnsureBuffers(int shards)
        {
            if (_shardGradients.Length >= shards)
            {
                return;
            }

            var buffers = new T[shards][];
            for (int i = 0; i < shards; i++)
            {
                buffers[i] = i < _shardGradients.Length ? _shardGradients[i] : new T[_network.ParameterCount];
            }

            _shardGradients = buffers;
            _shardLosses = new T[shards];
        }

        /// <summary>One wave's shards as a reusable work item: set per wave, so running a wave allocates nothing.</summary>
        private sealed class Wave(DataParallel<T> owner) : IShardWork
        {
            private ReadOnlyMemory<T> _inputs, _targets;
            private int _first, _count;
            private BatchBuffer<T>? _batch;
            private Dataset<T>? _data;
            private ReadOnlyMemory<int> _indices;

            /// <summary>Makes each shard gather its rows of <paramref name="batch"/> before it runs; nulls to stop.</summary>
            public void GatherFrom(BatchBuffer<T>? batch, Dataset<T>? data, ReadOnlyMemory<int> indices) =>
                (_batch, _data, _indices) = (batch, data, indices);

            public void Set(ReadOnlyMemory<T> inputs, ReadOnlyMemory<T> targets, int first, int count) =>
                (_inputs, _targets, _first, _count) = (inputs, targets, first, count);

            /// <summary>Shard <c>first + slot</c>: its gradient sum into buffer <paramref name="slot"/>, its loss beside it.</summary>
            public void Run(int slot)
            {
                INeuralNetwork<T> network = owner._network;
                int inputSize = network.InputSize, outputSize = network.OutputSize;
                int start = (_first + slot) * ShardSize, rows = Math.Min(ShardSize, _count - start);
                if (_data is not null)
                {
                    _batch!.GatherRows(_data, _indices.Span.Slice(start, rows), start);
                }

                T[] gradient = owner._shardGradients[slot];
                Array.Clear(gradient);
                owner._shardLosses[slot] = network.BackwardBatch(
                    _inputs.Span.Slice(start * inputSize, rows * inputSize),
                    _targets.Span.Slice(start * outputSize, rows * outputSize),
                    gradient);
            }
        }
    }
}
