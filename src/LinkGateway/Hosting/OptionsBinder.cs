using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using LinkGateway.Contracts;

namespace LinkGateway.Hosting;

/// <summary>
/// Binds a configuration section onto an options class strictly, where ASP.NET's binder is lenient: a key that
/// names no property is an error with the closest valid name, durations need a unit or hh:mm:ss, numbers and
/// durations are checked against the <see cref="RangeAttribute"/> declared on their property, and enums take
/// their lower-case names only. Every problem is collected (one line each, key first); the property keeps its
/// default. The schema is the options classes themselves, found by reflection, so an option added later is
/// covered without a list to update here.
/// </summary>
public static class OptionsBinder
{
    /// <summary>The options with every valid setting of <paramref name="section"/> applied; problems go to <paramref name="errors"/>.</summary>
    public static T Bind<T>(IConfigurationSection section, List<string> errors) where T : class, new()
    {
        var options = new T();
        BindObject(options, section, errors);
        return options;
    }

    /// <summary>The configurable properties of an options class: public, instance, with a public set or init accessor.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> KeysOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>True for the types a key may have: scalars, lists of scalars, string-keyed dictionaries of scalars or option classes, and option classes.</summary>
    public static bool IsSupported(Type type) =>
        IsScalar(type) || ElementOfList(type) is { } element && IsScalar(element) || ValueOfDictionary(type) is { } value && (IsScalar(value) || IsOptionsClass(value))
        || IsOptionsClass(type);

    private static void BindObject(object target, IConfigurationSection section, List<string> errors)
    {
        var keys = KeysOf(target.GetType());
        foreach (var child in section.GetChildren())
        {
            if (!keys.TryGetValue(child.Key, out var property))
            {
                errors.Add($"{child.Path}: {ConfigNames.UnknownKey(child.Key, keys.Keys)}");
                continue;
            }

            if (Read(property, property.GetValue(target), child, errors) is (true, var value))
            {
                property.SetValue(target, value);
            }
        }
    }

    /// <returns>Whether to set the property, and to what.</returns>
    private static (bool Set, object? Value) Read(PropertyInfo property, object? current, IConfigurationSection section, List<string> errors)
    {
        var type = property.PropertyType;
        var hasChildren = section.GetChildren().Any();
        if (IsScalar(type))
        {
            if (hasChildren)
            {
                errors.Add($"{section.Path}: expects one value, not a section");
                return (false, null);
            }

            return section.Value is null ? (false, null) : ReadScalar(type, section.Value, section.Path, property.GetCustomAttribute<RangeAttribute>(), errors);
        }

        // An empty JSON object or array arrives as a key without a value: nothing to change.
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add($"{section.Path}: expects a section ({Expected(type)}), not the value \"{section.Value}\"");
            return (false, null);
        }

        if (ElementOfList(type) is { } element)
        {
            var list = (IList)(current ?? Activator.CreateInstance(type)!);
            list.Clear();
            foreach (var item in section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{item.Path}: unknown key ({section.Key} is a list: {section.Key}:0, {section.Key}:1, …)");
                }
                else if (Read(item, element, errors) is (true, var value))
                {
                    list.Add(value);
                }
            }

            return (true, list);
        }

        if (ValueOfDictionary(type) is { } valueType)
        {
            var dictionary = (IDictionary)(current ?? Activator.CreateInstance(type)!);
            dictionary.Clear();
            foreach (var entry in section.GetChildren())
            {
                if (IsOptionsClass(valueType))
                {
                    var entryOptions = Activator.CreateInstance(valueType)!;
                    BindObject(entryOptions, entry, errors);
                    dictionary[entry.Key] = entryOptions;
                }
                else if (Read(entry, valueType, errors) is (true, var value))
                {
                    dictionary[entry.Key] = value;
                }
            }

            return (true, dictionary);
        }

        if (IsOptionsClass(type))
        {
            var options = current ?? Activator.CreateInstance(type)!;
            BindObject(options, section, errors);
            return (true, options);
        }

        throw new InvalidOperationException($"{section.Path}: the options type {type} is not supported by {nameof(OptionsBinder)}");
    }

    /// <summary>A list item or dictionary value: a scalar without a range of its own.</summary>
    private static (bool Set, object? Value) Read(IConfigurationSection section, Type type, List<string> errors)
    {
        if (section.GetChildren().Any())
        {
            errors.Add($"{section.Path}: expects one value, not a section");
            return (false, null);
        }

        return section.Value is null ? (false, null) : ReadScalar(type, section.Value, section.Path, range: null, errors);
    }

    private static (bool Set, object? Value) ReadScalar(Type type, string text, string path, RangeAttribute? range, List<string> errors)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            return (true, text);
        }

        if (text.Length == 0)
        {
            if (target != type)
            {
                return (true, null);
            }

            errors.Add($"{path}: needs a value ({Allowed(target, range)})");
            return (false, null);
        }

        var (value, problem) = Parse(target, text);
        if (range is not null && problem is not null)
        {
            problem += $"; allowed {Bounds(target, range)}";
        }
        else if (range is not null && !Within(value!, range))
        {
            problem = $"{text.Trim()} is outside {Bounds(target, range)}";
        }

        if (problem is not null)
        {
            errors.Add($"{path}: {problem}");
            return (false, null);
        }

        return (true, value);
    }

    private static (object? Value, string? Problem) Parse(Type type, string text)
    {
        if (type == typeof(TimeSpan))
        {
            var duration = Durations.Parse(text, out var problem);
            return (duration, problem);
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(text, out var flag) ? (flag, null) : (null, $"\"{text}\" is not allowed (allowed: true, false)");
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                   && (type == typeof(long) || number is >= int.MinValue and <= int.MaxValue)
                ? (Convert.ChangeType(number, type, CultureInfo.InvariantCulture), null)
                : (null, $"\"{text}\" is not a whole number");
        }

        if (type == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                ? (number, null)
                : (null, $"\"{text}\" is not a number");
        }

        // Enums by their names only: Enum.Parse would also take "1" or "Enforce, Observe".
        foreach (var name in Enum.GetNames(type))
        {
            if (string.Equals(text.Trim(), ConfigNames.Of(name), StringComparison.OrdinalIgnoreCase) || string.Equals(text.Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return (Enum.Parse(type, name), null);
            }
        }

        return (null, $"\"{text}\" is not allowed ({Allowed(type, null)})");
    }

    private static bool Within(object value, RangeAttribute range) => value switch
    {
        TimeSpan duration => duration >= Bound(range.Minimum) && duration <= Bound(range.Maximum),
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture) >= Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture)
             && Convert.ToDouble(value, CultureInfo.InvariantCulture) <= Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture),
    };

    /// <summary>A duration bound, declared as [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")].</summary>
    private static TimeSpan Bound(object bound) => bound as TimeSpan? ?? Durations.Parse((string)bound, out _)
        ?? throw new InvalidOperationException($"The duration bound \"{bound}\" does not parse.");

    private static string Bounds(Type type, RangeAttribute range) => type == typeof(TimeSpan)
        ? $"{Durations.Format(Bound(range.Minimum))}..{Durations.Format(Bound(range.Maximum))}"
        : string.Create(CultureInfo.InvariantCulture, $"{range.Minimum}..{range.Maximum}");

    /// <summary>What may be written for a type, in the docs' words.</summary>
    private static string Allowed(Type type, RangeAttribute? range)
    {
        var bounds = range is null ? null : $"; allowed {Bounds(type, range)}";
        return type switch
        {
            _ when type == typeof(TimeSpan) => $"a duration: {Durations.Syntax}{bounds}",
            _ when type == typeof(bool) => "allowed: true, false",
            _ when type.IsEnum => $"allowed: {string.Join(", ", Enum.GetNames(type).Select(ConfigNames.Of))}",
            _ => $"a number{bounds}",
        };
    }

    private static string Expected(Type type) =>
        ElementOfList(type) is not null ? "a list: 0, 1, …"
        : ValueOfDictionary(type) is not null ? "NAME: value entries"
        : $"keys: {string.Join(", ", KeysOf(type).Keys)}";

    private static bool IsScalar(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(string) || target == typeof(bool) || target == typeof(int) || target == typeof(long) || target == typeof(double)
               || target == typeof(TimeSpan) || target.IsEnum;
    }

    private static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null;

    private static Type? ElementOfList(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    private static Type? ValueOfDictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string)
            ? type.GetGenericArguments()[1]
            : null;
}
