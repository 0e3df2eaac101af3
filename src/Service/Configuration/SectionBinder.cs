using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using MaskStream.Tracking;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Configuration;

/// <summary>
/// Binds one configuration section onto an options record's init properties, with the strictness the service
/// promises: an unknown key or a value that does not convert stops start-up with one line naming the key, the value
/// and what is allowed. (Microsoft's binder ignores unknown keys, so a typo such as <c>Mqtt:Prot</c> would silently
/// keep the default.)
/// </summary>
internal static class SectionBinder
{
    public static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var target = new T();
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            string key = $"{section}:{child.Key}";
            if (!properties.TryGetValue(child.Key, out var property))
                throw new ConfigurationException(key, child.Value,
                    $"unknown key; {section} has {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}");
            if (child.Value is null)
            {
                if (child.GetChildren().Any())
                    throw new ConfigurationException(key, null, $"expected a single value ({Describe(property.PropertyType)}), not a section");
                continue;
            }
            property.SetValue(target, Convert(key, child.Value, property.PropertyType));
        }
        return target;
    }

    private static object? Convert(string key, string value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
            return value.Length == 0 ? null : Convert(key, value, underlying);
        if (type == typeof(string))
            return value;
        if (type.IsEnum)
        {
            if (!int.TryParse(value, out _) && Enum.TryParse(type, value, ignoreCase: true, out var parsed))
                return parsed;
            throw new ConfigurationException(key, value, $"expected one of {string.Join(", ", Enum.GetNames(type))}");
        }
        if (type == typeof(TrackDuration))
            return ParseDuration(key, value);
        if (type == typeof(TimeSpan))
        {
            if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span))
                return span;
            throw new ConfigurationException(key, value, "expected a time span such as 00:00:10 (hh:mm:ss) or 00:00:00.250");
        }
        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException || e.InnerException is FormatException or OverflowException)
        {
            throw new ConfigurationException(key, value, $"expected {Describe(type)}");
        }
    }

    /// <summary><c>2s</c>, <c>1.5 s</c>, <c>60 frames</c> or <c>60f</c>.</summary>
    internal static TrackDuration ParseDuration(string key, string value)
    {
        var text = value.Trim();
        foreach (var (suffix, unit) in new[] { ("frames", TrackDurationUnit.Frames), ("f", TrackDurationUnit.Frames), ("s", TrackDurationUnit.Seconds) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text[..^suffix.Length].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                return new TrackDuration(number, unit);
        }
        throw new ConfigurationException(key, value, "expected a duration in seconds or frames, e.g. 2s or 60 frames");
    }

    private static string Describe(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(float) || type == typeof(double) ? "a number (invariant culture, e.g. 0.5)"
        : type == typeof(bool) ? "true or false"
        : type.Name;
}
