using System.Collections.Frozen;
using LinkGateway.Contracts;

namespace LinkGateway.Interstitial;

/// <summary>
/// The configured brands, read and checked once at start-up (LinkGateway:Brands is read at start-up only), and which one a
/// request's page wears: the route's Metadata "Brand", else its host's (<see cref="IHostBrand"/>), else the built-in page.
/// </summary>
public sealed class BrandBook
{
    private readonly FrozenDictionary<string, PageBrand> _brands;
    private readonly IHostBrand? _hostBrand;

    private BrandBook(FrozenDictionary<string, PageBrand> brands, IHostBrand? hostBrand)
    {
        _brands = brands;
        _hostBrand = hostBrand;
    }

    /// <summary>No brands: every page is the built-in one.</summary>
    public static BrandBook Empty { get; } = new(FrozenDictionary<string, PageBrand>.Empty, null);

    public IEnumerable<string> Names => _brands.Keys;

    /// <summary>Every brand of <paramref name="brands"/>; null with every problem in <paramref name="errors"/>.</summary>
    public static BrandBook? Load(IReadOnlyDictionary<string, BrandOptions> brands, string configDirectory, List<string> errors)
    {
        var before = errors.Count;
        var loaded = new Dictionary<string, PageBrand>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, options) in brands)
        {
            if (PageBrand.Load(name, options, configDirectory, errors) is { } brand)
            {
                loaded[name] = brand;
            }
        }

        return errors.Count > before ? null : new BrandBook(loaded.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), null);
    }

    /// <summary>The same brands, with the per-host choice that the composition wires in (null: none).</summary>
    public BrandBook WithHostBrand(IHostBrand? hostBrand) => new(_brands, hostBrand);

    /// <summary>Every route whose Metadata "Brand" names no brand: the key and the names there are.</summary>
    public void CheckRoutes(IConfiguration configuration, List<string> errors)
    {
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var name = route.GetSection("Metadata")[RoutePolicy.BrandKey];
            if (name is not null && RoutePolicy.IsBrandName(name) && !_brands.ContainsKey(name))
            {
                errors.Add($"ReverseProxy:Routes:{route.Key}:Metadata:{RoutePolicy.BrandKey}: \"{name}\" names no brand under LinkGateway:Brands"
                           + (_brands.Count > 0 ? $" ({ConfigNames.Hint(name, _brands.Keys)})" : ""));
            }
        }
    }

    /// <summary>The brand of this request's page. A name that is not (or no longer) configured falls back to the next choice.</summary>
    public PageBrand For(HttpContext context, RoutePolicy policy) =>
        Named(policy.Brand) ?? Named(_hostBrand?.BrandOf(context)) ?? PageBrand.Default;

    private PageBrand? Named(string? name) => name is not null && _brands.TryGetValue(name, out var brand) ? brand : null;
}
