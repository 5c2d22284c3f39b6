namespace WebSocketGuard.Tests.Infrastructure;

/// <summary>Tests that read process-wide allocation counters; xUnit runs this collection after the parallel ones, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}
