global using SkyPilot.TestKit;
