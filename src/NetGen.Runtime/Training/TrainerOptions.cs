using System;
using System.Collections.Generic;

namespace NetGen.Training
{
    /// <summary>How <see cref="Trainer"/> trains. A record: derive variants with <c>with</c>
    /// (<c>options with { Epochs = 150 }</c>). The learning rate is not here: it belongs to the optimizer
    /// (<see cref="IOptimizer{T}.LearningRate"/>), and <see cref="Schedule"/> scales it per epoch.</summary>
    public sealed record TrainerOptions
    {
        /// <summary>Passes over the training set; 10 by default.</summary>
        public int Epochs { get; init; } = 10;

        /// <summary>Samples per mini-batch; 32 by default. The last batch of an epoch may be smaller. A batch as large as the
        /// training set (full-batch gradient descent) takes the set as it is stored, unshuffled and uncopied, unless
        /// <see cref="InputNoise"/> is set: a shuffle would only change the order of the gradient's sum.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Seeds the per-epoch shuffles: the same seed gives bit-identical training.</summary>
        public int Seed { get; init; }

        /// <summary>Multiplies the optimizer's learning rate per epoch, as PyTorch's <c>LambdaLR</c>: epoch e trains at
        /// <c>optimizer.LearningRate * Schedule.Factor(e, Epochs)</c>. Null, the default, keeps the optimizer's rate.</summary>
        public LearningRateSchedule? Schedule { get; init; }

        /// <summary>When set, the mean gradient is scaled down to this global L2 norm whenever it is larger.</summary>
        public double? ClipNorm { get; init; }

        /// <summary>With a validation set: stop after this many epochs without a lower validation loss (early stopping).
        /// Null trains every epoch. Which parameters the network keeps is <see cref="RestoreBestWeights"/>'s choice.</summary>
        public int? Patience { get; init; }

        /// <summary>With a validation set: at the end of training (early stopping or not), put back the parameters of the
        /// epoch with the lowest validation loss, as Keras's <c>restore_best_weights</c>. False, the default (as in Keras),
        /// leaves the network with the last epoch's parameters. Without a validation set it changes nothing.</summary>
        public bool RestoreBestWeights { get; init; }

        /// <summary>What to report besides the loss; <see cref="Metric.Accuracy"/> by default. It is measured every epoch
        /// on the validation set, or, without one, on the whole training set: <see cref="Metric.None"/> skips that extra
        /// pass (the report's metric is then NaN).</summary>
        public Metric Metric { get; init; } = Metric.Accuracy;

        /// <summary>The standard deviation of Gaussian noise added to each training input every time it is used (Keras's
        /// <c>GaussianNoise</c> layer; training with input noise acts as a Tikhonov regulariser, Bishop 1995). 0, the
        /// default, turns it off. The noise is drawn from its own stream seeded by <see cref="Seed"/>, so runs stay
        /// bit-reproducible and the shuffles do not change; validation inputs are never perturbed. Best used on
        /// standardised inputs, where it is a fraction of each feature's spread.</summary>
        public double InputNoise { get; init; }

        /// <summary>The most threads a training step uses; 1 by default. A mini-batch larger than
        /// <see cref="DataParallel{T}.ShardSize"/> samples is cut into shards that run in parallel
        /// (<see cref="DataParallel{T}"/>); smaller ones run on the calling thread. The result does not depend on it: the
        /// same seed gives bit-identical parameters on 1, 2 or more threads. The worker threads spin between steps only
        /// while <see cref="Trainer.Train{T}"/> runs, and use no CPU after it returns.</summary>
        public int Threads { get; init; } = 1;

        /// <summary>Throws if a value is out of range.</summary>
        internal void Validate()
        {
            if (Epochs < 1 || BatchSize < 1 || Patience is < 1 || ClipNorm is not null and not > 0
                || !(InputNoise >= 0 && double.IsFinite(InputNoise)) || Threads < 1 || !Enum.IsDefined(Metric))
            {
                throw new ArgumentOutOfRangeException("options", "Epochs, BatchSize, Patience and Threads must be at least 1, ClipNorm above 0, InputNoise finite and not negative, and Metric one of the Metric values.");
            }
        }
    }

    /// <summary>The per-epoch measure that <see cref="Trainer"/> reports beside the loss.</summary>
    public enum Metric
    {
        /// <summary>The fraction of samples classified right, by <see cref="Classification"/>'s rule.</summary>
        Accuracy,

        /// <summary>The root mean squared error of the outputs.</summary>
        RootMeanSquaredError,

        /// <summary>No metric: the report's <see cref="EpochReport.Metric"/> is NaN. Without a validation set this saves
        /// the trainer a forward pass over the whole training set every epoch.</summary>
        None,
    }

    /// <summary>One epoch's figures, as reported to <see cref="IProgress{T}"/>.</summary>
    /// <param name="Epoch">The epoch, counting from 1.</param>
    /// <param name="TrainingLoss">The mean loss over the epoch's mini-batches.</param>
    /// <param name="ValidationLoss">The mean loss on the validation set, or NaN without one.</param>
    /// <param name="Metric">The <see cref="TrainerOptions.Metric"/> on the validation set (or the training set without one);
    /// NaN with <see cref="Metric.None"/>.</param>
    /// <param name="LearningRate">The epoch's learning rate: the optimizer's rate times the schedule's factor.</param>
    /// <param name="Elapsed">The time since training started.</param>
    public sealed record EpochReport(int Epoch, double TrainingLoss, double ValidationLoss, double Metric, double LearningRate, TimeSpan Elapsed);

    /// <summary>What a training run did.</summary>
    /// <param name="Epochs">Every completed epoch's report.</param>
    /// <param name="BestEpoch">The epoch with the lowest validation loss (the last epoch without a validation set). The
    /// network holds its parameters only with <see cref="TrainerOptions.RestoreBestWeights"/>; otherwise it holds the
    /// last epoch's.</param>
    /// <param name="StoppedEarly">Whether early stopping ended the run.</param>
    public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, int BestEpoch, bool StoppedEarly);

    /// <summary>Training diverged: a loss or gradient was NaN or infinite. From <see cref="Trainer.Train{T}"/>, the
    /// network's parameters were restored to the state at the start of <see cref="Epoch"/>; from
    /// <see cref="Trainer.Step{T}"/>, nothing was updated.</summary>
    public sealed class TrainingDivergedException : ArithmeticException
    {
        /// <summary>Creates the exception for a run of <see cref="Trainer.Train{T}"/>.</summary>
        public TrainingDivergedException(int epoch, int batch, string what)
            : base($"Training diverged in epoch {epoch}, batch {batch}: {what}. The parameters were restored to their values at the start of epoch {epoch}. Lower the learning rate, or set TrainerOptions.ClipNorm.")
        {
            Epoch = epoch;
            Batch = batch;
        }

        /// <summary>Creates the exception for a single <see cref="Trainer.Step{T}"/>; <see cref="Epoch"/> and
        /// <see cref="Batch"/> are 0.</summary>
        public TrainingDivergedException(string what)
            : base($"Training diverged: {what}. Nothing was updated: the parameters are as they were. Lower the learning rate, or pass a clip norm.")
        {
        }

        /// <summary>The epoch, counting from 1; 0 when thrown by <see cref="Trainer.Step{T}"/>.</summary>
        public int Epoch { get; }

        /// <summary>The mini-batch within the epoch, counting from 1; 0 when thrown by <see cref="Trainer.Step{T}"/>.</summary>
        public int Batch { get; }
    }
}
