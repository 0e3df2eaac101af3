using MaskStream.Service.Tests.Cli;

namespace MaskStream.Service.Tests.Support;

/// <summary>The test classes that start the service share one random tiny model (exporting it costs seconds) and run
/// one after another, so their child processes do not compete for the CPU.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceModelCollection : ICollectionFixture<DetectModelFixture>
{
    public const string Name = "service with a random tiny model";
}
