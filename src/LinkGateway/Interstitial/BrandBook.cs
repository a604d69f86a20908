using System.Collections.Frozen;
using LinkGateway.Contracts;
using LinkGateway.Hosts;

namespace LinkGateway.Interstitial;

/// <summary>
/// The configured brands, read and checked once at start-up (LinkGateway:Brands is read at start-up only), and which one a
/// request's page wears: the route's Metadata "Brand", else its host's (<see cref="IHostBrand"/>), else the built-in page.
/// </summary>
public sealed class BrandBook
{
    private const string SectionName = "LinkGateway:Brands";

    private readonly FrozenDictionary<string, PageBrand> _brands;
    private readonly IHostBrand? _hostBrand;

    private BrandBook(FrozenDictionary<string, PageBrand> brands, IHostBrand? hostBrand)
    {
        _brands = brands;
        _hostBrand = hostBrand;
    }

    /// <summary>No brands: every page is the built-in one.</summary>
    public static BrandBook Empty { get; } = new(FrozenDictionary<string, PageBrand>.Empty, null);

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

    /// <summary>A brand of that name is configured: names compare ignoring case, as <see cref="For"/> looks them up.</summary>
    public bool Has(string name) => _brands.ContainsKey(name);

    /// <summary>Every route of <paramref name="routes"/> (ReverseProxy:Routes) whose Metadata "Brand" names no brand: the key and the names there are.</summary>
    public void CheckRoutes(IConfigurationSection routes, List<string> errors)
    {
        foreach (var route in routes.GetChildren())
        {
            var name = route.GetSection("Metadata")[RoutePolicy.BrandKey];
            if (name is not null && RoutePolicy.IsBrandName(name) && !Has(name))
            {
                errors.Add($"{route.Path}:Metadata:{RoutePolicy.BrandKey}: \"{name}\" names no brand under {SectionName}"
                           + (_brands.Count > 0 ? $" ({ConfigNames.Hint(name, _brands.Keys)})" : ""));
            }
        }
    }

    /// <summary>
    /// Every LinkGateway:Hosts entry whose Brand names no brand: it would show the built-in page without a word. A Brand that
    /// is not a brand name at all is HostPolicies' to report.
    /// </summary>
    public void CheckHosts(IReadOnlyDictionary<string, HostPolicyOptions> hosts, List<string> errors)
    {
        foreach (var (host, entry) in hosts)
        {
            if (entry.Brand?.Trim() is { } name && RoutePolicy.IsBrandName(name) && !Has(name))
            {
                errors.Add($"{HostPolicies.SectionName}:{host}:Brand: \"{name}\" names no brand in {SectionName} "
                           + $"({(_brands.Count > 0 ? ConfigNames.Hint(name, _brands.Keys) : "there is none")})");
            }
        }
    }

    /// <summary>The brand of this request's page. A name that is not (or no longer) configured falls back to the next choice.</summary>
    public PageBrand For(HttpContext context, RoutePolicy policy) =>
        Named(policy.Brand) ?? Named(_hostBrand?.BrandOf(context)) ?? PageBrand.Default;

    private PageBrand? Named(string? name) => name is not null && _brands.TryGetValue(name, out var brand) ? brand : null;
}
