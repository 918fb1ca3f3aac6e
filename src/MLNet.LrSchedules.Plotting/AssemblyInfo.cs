namespace MLNet.LrSchedules.Plotting;
