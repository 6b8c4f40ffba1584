/// <summary>A network in the global namespace.</summary>
[NetGen.Input(2)]
[NetGen.Dense(1)]
[NetGen.Loss(NetGen.LossFunction.MeanSquaredError)]
public partial record GlobalNamespaceNet;
