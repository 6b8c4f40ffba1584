using System;

namespace NetGen.Training
{
    /// <summary>A factor that multiplies the optimizer's <see cref="IOptimizer{T}.LearningRate"/> in each epoch, as
    /// PyTorch's <c>LambdaLR</c> does: epoch e trains at <c>eta_e = LearningRate * Factor(e, epochs)</c>. The rate itself
    /// is set once, on the optimizer; the schedule only scales it. Derive from this class for other shapes.</summary>
    public abstract class LearningRateSchedule
    {
        /// <summary>The factor of <paramref name="epoch"/> (counting from 0) out of <paramref name="epochs"/>: finite and
        /// at least 0.</summary>
        public abstract double Factor(int epoch, int epochs);

        /// <summary>The same factor every epoch; 1 (the optimizer's rate unchanged) by default.</summary>
        public static LearningRateSchedule Constant(double factor = 1) => new ConstantSchedule(Check(factor, nameof(factor)));

        /// <summary>Multiplies the factor by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs, starting
        /// from 1: <c>gamma^floor(epoch / stepSize)</c> (PyTorch's <c>StepLR</c>).</summary>
        public static LearningRateSchedule StepDecay(int stepSize, double gamma) =>
            stepSize < 1 || !(gamma > 0) || !double.IsFinite(gamma)
                ? throw new ArgumentOutOfRangeException(nameof(stepSize), "The step size must be at least 1 and gamma a finite number above 0.")
                : new StepSchedule(stepSize, gamma);

        /// <summary>Cosine annealing of the factor from 1 down towards <paramref name="minimumFactor"/> over the run:
        /// <c>m + (1 - m) (1 + cos(pi epoch / epochs)) / 2</c>. This is PyTorch's <c>CosineAnnealingLR</c> with
        /// <c>T_max = epochs</c> and <c>eta_min = m * lr</c>: the minimum is a fraction of the optimizer's rate
        /// (for example 0.005 with a rate of 2e-3 anneals towards 1e-5).</summary>
        public static LearningRateSchedule Cosine(double minimumFactor = 0) =>
            minimumFactor is >= 0 and <= 1
                ? new CosineSchedule(minimumFactor)
                : throw new ArgumentOutOfRangeException(nameof(minimumFactor), minimumFactor, "The minimum factor must be in [0, 1].");

        private static double Check(double factor, string name) => factor >= 0 && double.IsFinite(factor)
            ? factor
            : throw new ArgumentOutOfRangeException(name, factor, "A learning-rate factor must be a finite number of at least 0.");

        private sealed class ConstantSchedule(double factor) : LearningRateSchedule
        {
            public override double Factor(int epoch, int epochs) => factor;
        }

        private sealed class StepSchedule(int stepSize, double gamma) : LearningRateSchedule
        {
            public override double Factor(int epoch, int epochs) => Math.Pow(gamma, epoch / stepSize);
        }

        private sealed class CosineSchedule(double minimum) : LearningRateSchedule
        {
            public override double Factor(int epoch, int epochs) =>
                minimum + ((1 - minimum) * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, epochs))) / 2);
        }
    }
}
