using LinkGateway.Contracts;

namespace LinkGateway.Hosts;

/// <summary>
/// The brand of the request's host (LinkGateway:Hosts:NAME:Brand), for the interstitial when the route names none: the
/// guard keeps the request's <see cref="HostPolicy"/> in its features.
/// </summary>
internal sealed class HostBrand : IHostBrand
{
    public string? BrandOf(HttpContext context) => context.Features.Get<HostPolicy>()?.Brand;
}
