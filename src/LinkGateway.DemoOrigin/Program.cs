using LinkGateway.DemoOrigin;

// Standalone demo origin (docker-compose): dotnet run --project src/LinkGateway.DemoOrigin -- --urls http://0.0.0.0:8080 --Origin:SigningKey=BASE64
await DemoOriginApp.Create(args).RunAsync();
