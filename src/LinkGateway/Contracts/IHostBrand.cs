namespace LinkGateway.Contracts;

/// <summary>
/// The seam for per-host brands: the brand name (a key of LinkGateway:Brands) for the host a request came to, or null for
/// none. The per-host policy (LinkGateway:Hosts) (Hosts/) registers its implementation as a singleton; without one, only route
/// Metadata "Brand" and the default choose.
/// </summary>
public interface IHostBrand
{
    string? BrandOf(HttpContext context);
}
