using System;

namespace NetGen.Training
{
    /// <summary>The learning rate for each epoch.</summary>
    public abstract class LearningRateSchedule
    {
        /// <summary>The learning rate of <paramref name="epoch"/> (counting from 0) out of <paramref name="epochs"/>.</summary>
        public abstract double At(int epoch, int epochs);

        /// <summary>The same rate every epoch.</summary>
        public static LearningRateSchedule Constant(double rate) => new ConstantSchedule(Check(rate));

        /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs (PyTorch's StepLR).</summary>
        public static LearningRateSchedule StepDecay(double rate, int stepSize, double gamma) =>
            stepSize < 1 || !(gamma > 0)
                ? throw new ArgumentOutOfRangeException(nameof(stepSize), "The step size must be at least 1 and gamma above 0.")
                : new StepSchedule(Check(rate), stepSize, gamma);

        /// <summary>Cosine annealing from <paramref name="rate"/> to <paramref name="minimum"/> over the run (PyTorch's
        /// CosineAnnealingLR with T_max = epochs).</summary>
        public static LearningRateSchedule Cosine(double rate, double minimum = 0) => new CosineSchedule(Check(rate), Check(minimum));

        private static double Check(double rate) => rate >= 0 && double.IsFinite(rate)
            ? rate
            : throw new ArgumentOutOfRangeException(nameof(rate), rate, "A learning rate must be a finite number of at least 0.");

        private sealed class ConstantSchedule(double rate) : LearningRateSchedule
        {
            public override double At(int epoch, int epochs) => rate;
        }

        private sealed class StepSchedule(double rate, int stepSize, double gamma) : LearningRateSchedule
        {
            public override double At(int epoch, int epochs) => rate * Math.Pow(gamma, epoch / stepSize);
        }

        private sealed class CosineSchedule(double rate, double minimum) : LearningRateSchedule
        {
            public override double At(int epoch, int epochs) =>
                minimum + ((rate - minimum) * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, epochs))) / 2);
        }
    }
}
