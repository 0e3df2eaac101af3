namespace MaskStream.Integration.Tests.Support;

/// <summary>The tests that start the service run one after another: each runs the shipped model, and two at once on CI's
/// 2 cores would only slow both down.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceCollection
{
    public const string Name = "maskstream service";
}
