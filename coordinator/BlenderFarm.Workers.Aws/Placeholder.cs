namespace BlenderFarm.Workers.Aws; internal static class Placeholder { }
